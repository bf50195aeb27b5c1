import Foundation

/// One numbered plain-SQL migration file, e.g. `0002_add_index.sql`.
struct PostgresMigrationFile: Sendable {
    let version: Int
    let name: String
    let sql: String

    /// Reads the `*.sql` files of `directory`, sorted by their leading number; other files are ignored.
    static func load(from directory: URL) throws -> [PostgresMigrationFile] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw PostgresMigrator.Failure(message: "cannot list migrations in \(directory.path): \(error)")
        }
        var files: [PostgresMigrationFile] = []
        for name in names where name.hasSuffix(".sql") {
            let digits = name.prefix { $0.isASCII && $0.isNumber }
            guard let version = Int(digits), version <= Int(Int32.max) else {
                throw PostgresMigrator.Failure(message: "migration file \(name) in \(directory.path) does not start with a version number (e.g. 0001_initial.sql)")
            }
            let data: Data
            do {
                data = try Data(contentsOf: directory.appendingPathComponent(name))
            } catch {
                throw PostgresMigrator.Failure(message: "cannot read migration file \(name): \(error)")
            }
            guard let sql = String(validating: data, as: UTF8.self) else {
                throw PostgresMigrator.Failure(message: "migration file \(name) is not valid UTF-8")
            }
            files.append(PostgresMigrationFile(version: version, name: name, sql: sql))
        }
        files.sort { $0.version < $1.version }
        for (earlier, later) in zip(files, files.dropFirst()) where earlier.version == later.version {
            throw PostgresMigrator.Failure(message: "migration files \(earlier.name) and \(later.name) share version \(later.version)")
        }
        return files
    }
}
