import Testing
@testable import RallyCore

@Suite struct AccessTests {
    func key(_ role: KeyRole, program: String = "acme") -> Principal {
        .programKey(ProgramKey(programId: program, role: role, id: "key-1"))
    }

    @Test func operatorMayDoAnythingInAnyProgram() {
        #expect(Principal.operator.may([.admin], in: "acme"))
        #expect(Principal.operator.may([], in: "globex"))
    }

    @Test func keyMayActWithItsOwnRoleInItsOwnProgram() {
        #expect(key(.ingest).may([.ingest], in: "acme"))
        #expect(key(.read).may([.read], in: "acme"))
        #expect(key(.read).may([.ingest, .read], in: "acme"))
    }

    @Test func keyMayNotActWithAnotherRole() {
        #expect(!key(.ingest).may([.read], in: "acme"))
        #expect(!key(.read).may([.ingest], in: "acme"))
        #expect(!key(.read).may([.admin], in: "acme"))
        #expect(!key(.ingest).may([], in: "acme"))
    }

    @Test func adminMayDoEverythingInItsProgramOnly() {
        #expect(key(.admin).may([.ingest], in: "acme"))
        #expect(key(.admin).may([.read], in: "acme"))
        #expect(key(.admin).may([], in: "acme"))
        #expect(!key(.admin).may([.admin], in: "globex"))
    }

    @Test func noKeyMayActInAnotherProgram() {
        for role in KeyRole.allCases {
            #expect(!key(role, program: "acme").may(Set(KeyRole.allCases), in: "globex"))
            #expect(!key(role, program: "acme").may([role], in: "ACME"))
        }
    }

    @Test func roleRawValues() {
        #expect(KeyRole.allCases.map(\.rawValue) == ["ingest", "read", "admin"])
    }
}
