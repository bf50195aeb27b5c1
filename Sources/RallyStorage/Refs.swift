/// An event of a program, by id.
package struct EventRef: Hashable, Sendable {
    package var program: String
    package var id: String

    package init(program: String, id: String) {
        self.program = program
        self.id = id
    }
}

/// A member of a program, by id.
package struct MemberRef: Hashable, Sendable {
    package var program: String
    package var id: String

    package init(program: String, id: String) {
        self.program = program
        self.id = id
    }
}
