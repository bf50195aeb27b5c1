import Foundation
import RallyCore
import RallyServer
import Testing

/// The OpenAPI document served at `/openapi.json` must describe exactly the routes the router mounts.
@Suite struct OpenAPIDocumentTests {
    static let operationalPaths: Set<String> = ["/healthz", "/readyz", "/metrics", "/openapi.json"]

    static let httpMethods: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    /// One operation of the document.
    struct DocumentOperation {
        var method: String
        var path: String
        var object: [String: Any]

        var route: String { "\(method.uppercased()) \(path)" }
    }

    /// The document from the source tree (the file the build bundles).
    static func document() throws -> [String: Any] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Sources/RallyServer/openapi.json").standardized
        let data = try Data(contentsOf: url)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "openapi.json is not a JSON object")
    }

    static func operations(of document: [String: Any]) throws -> [DocumentOperation] {
        let paths = try #require(document["paths"] as? [String: Any], "the document has no paths object")
        var operations: [DocumentOperation] = []
        for (path, value) in paths {
            let item = try #require(value as? [String: Any], "path item \(path) is not an object")
            for (key, operation) in item where httpMethods.contains(key) {
                let object = try #require(operation as? [String: Any], "\(key) \(path) is not an object")
                operations.append(DocumentOperation(method: key, path: path, object: object))
            }
        }
        return operations
    }

    /// The document describes exactly the routes the router serves, each with the role its access rule requires.
    @Test func documentDescribesEveryRouteWithItsRole() async throws {
        let operations = try Self.operations(of: try Self.document())
        let routes = operations.map(\.route)
        #expect(routes.count == Set(routes).count)
        let described = Set(routes)
        let descriptions = operations.map { ($0.route, $0.object["description"] as? String ?? "") }
        try await TestApp.run { app in
            let served = Dictionary(uniqueKeysWithValues: app.routes.entries.map { ("\($0.method.rawValue) \($0.template)", $0.access) })
            let expected = Set(served.keys)
            #expect(described == expected,
                    "missing: \(expected.subtracting(described).sorted()); not routed: \(described.subtracting(expected).sorted())")
            for (route, description) in descriptions {
                guard let access = served[route] else { continue }
                #expect(description.contains("**Required role:** \(Self.requiredRole(access))"), "\(route) states another role than \(access)")
            }
        }
    }

    /// How the document states an access rule.
    static func requiredRole(_ access: Access) -> String {
        switch access {
        case .anyone: "none: no key needed"
        case .operator: "the operator token"
        case let .program(roles):
            (roles.subtracting([.admin]).map { "`\($0.rawValue)` or " }.sorted().joined()) + "`admin` key of the program, or the operator token"
        }
    }

    @Test func documentIsOpenAPI31() throws {
        let document = try Self.document()
        let version = try #require(document["openapi"] as? String)
        #expect(version.hasPrefix("3.1"))
    }

    @Test func programOperationsRequireBearerKeyAndOperationalOnesDoNot() throws {
        let document = try Self.document()
        let global = document["security"] as? [Any] ?? []
        for operation in try Self.operations(of: document) {
            let own = operation.object["security"] as? [Any]
            let effective = own ?? global
            if operation.path.hasPrefix("/v1/") {
                #expect(!effective.isEmpty, "\(operation.route) has no security requirement")
            } else {
                #expect(Self.operationalPaths.contains(operation.path), "\(operation.route) is neither under /v1 nor operational")
                #expect(effective.isEmpty, "\(operation.route) must not require a key (override with \"security\": [])")
            }
        }
        let components = try #require(document["components"] as? [String: Any], "the document has no components")
        let schemes = try #require(components["securitySchemes"] as? [String: Any], "the document has no security schemes")
        let bearer = schemes.values.compactMap { $0 as? [String: Any] }.filter { ($0["scheme"] as? String)?.lowercased() == "bearer" }
        #expect(bearer.count == 1, "expected one bearer security scheme")
        #expect(bearer.first?["type"] as? String == "http")
    }

    @Test func everyOperationIsNamedAndSummarised() throws {
        let operations = try Self.operations(of: try Self.document())
        var identifiers: [String] = []
        for operation in operations {
            let identifier = operation.object["operationId"] as? String ?? ""
            #expect(!identifier.isEmpty, "\(operation.route) has no operationId")
            identifiers.append(identifier)
            #expect(!(operation.object["summary"] as? String ?? "").isEmpty, "\(operation.route) has no summary")
            #expect((operation.object["description"] as? String ?? "").contains("Required role"), "\(operation.route) does not state its role")
            #expect(!((operation.object["responses"] as? [String: Any]) ?? [:]).isEmpty, "\(operation.route) has no responses")
        }
        #expect(Set(identifiers).count == identifiers.count, "operationIds are not unique")
    }

    /// What every answer of these tests is checked against (`DocumentedAnswers`, applied in `TestApp.send`) finds what
    /// an answer unlike the document would have: a status not listed, a null or a type the schema refuses, a required
    /// member missing, a member the document does not describe.
    @Test func answersUnlikeTheDocumentAreFound() {
        func problems(_ status: Int, _ body: String, uri: String = "/v1/programs/acme/keys") -> [String] {
            DocumentedAnswers.served.problems(method: "GET", uri: uri, status: status, contentType: "application/json", body: Array(body.utf8))
        }
        let key = #"{"id": "k1", "role": "read", "rateLimit": null, "createdAt": "2026-11-20T09:14:00+01:00", "lastUsedAt": null, "revokedAt": null"#
        #expect(problems(200, #"{"keys": [\#(key)}]}"#) == [])
        #expect(problems(200, #"{"keys": [\#(key)}]}"#, uri: "/v1/programs/acme/keys?limit=2") == [])
        #expect(problems(418, "{}") == ["GET /v1/programs/{programId}/keys answered 418, which the document does not list"])
        #expect(problems(200, #"{"keys": [\#(key.replacingOccurrences(of: #""read""#, with: "null"))}]}"#)
            == ["GET /v1/programs/{programId}/keys 200: 'keys[0].role' is null, the document says string"])
        #expect(problems(200, #"{"keys": [\#(key.replacingOccurrences(of: #""role": "read", "#, with: ""))}]}"#)
            == ["GET /v1/programs/{programId}/keys 200: 'keys[0]' lacks 'role'"])
        #expect(problems(200, #"{"keys": [\#(key), "secret": "s"}]}"#)
            == ["GET /v1/programs/{programId}/keys 200: 'keys[0].secret' is not described in the document"])
        #expect(problems(200, #"{"keys": [\#(key.replacingOccurrences(of: "+01:00", with: ""))}]}"#)
            == ["GET /v1/programs/{programId}/keys 200: 'keys[0].createdAt' '2026-11-20T09:14:00' is not an RFC 3339 date-time"])
        #expect(problems(404, "{}", uri: "/v1/nowhere") == [], "unknown routes are the router's")
    }
}
