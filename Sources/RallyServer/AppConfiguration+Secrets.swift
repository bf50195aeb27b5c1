import Foundation
import Logging
import RallyLedger

extension AppConfiguration {
    /// The file that holds the secret key when `RALLY_SECRET_KEY` is not set.
    public var secretKeyFile: String {
        URL(fileURLWithPath: dataDirectory).appendingPathComponent("secret-key").path
    }

    /// The keys webhook secrets are sealed with: `secretKey`, or else the one in `secretKeyFile`, made there (readable
    /// by this user alone) when there is none; either way the log says which.
    public func secretKeyring(logger: Logger) throws -> SecretKeyring {
        if let secretKey {
            logger.info("webhook secrets are sealed with RALLY_SECRET_KEY", metadata: ["key": "\(secretKey.id)"])
            return SecretKeyring(current: secretKey, previous: previousSecretKeys)
        }
        let (key, made) = try Self.keyInFile(secretKeyFile)
        logger.warning("""
            RALLY_SECRET_KEY is not set: webhook secrets are sealed with the key \(made ? "made now and kept" : "kept") in \(secretKeyFile); \
            keep a copy apart from the database's backups, and set RALLY_SECRET_KEY where several instances share a database
            """, metadata: ["key": "\(key.id)"])
        return SecretKeyring(current: key, previous: previousSecretKeys)
    }

    /// The key in `path`, or a new one put there (mode 0600, in a directory made 0700) when the file does not exist;
    /// whether it was made. The new key is written beside it and linked into place, so that two processes starting at
    /// once agree on one key and neither reads a half-written file.
    static func keyInFile(_ path: String) throws -> (SecretKeyring.Key, made: Bool) {
        let manager = FileManager.default
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try manager.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        if !manager.fileExists(atPath: path) {
            let text = SecretKeyring.Key.newBase64()
            let draft = path + ".\(getpid()).new"
            let bytes = Array((text + "\n").utf8)
            let descriptor = open(draft, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            defer { unlink(draft) }
            guard descriptor >= 0, write(descriptor, bytes, bytes.count) == bytes.count, close(descriptor) == 0 else {
                throw ConfigurationError("could not write a secret key in \(directory): \(String(cString: strerror(errno)))")
            }
            if link(draft, path) == 0, let key = SecretKeyring.Key(base64: text) { return (key, true) }
            guard errno == EEXIST else { throw ConfigurationError("could not create \(path): \(String(cString: strerror(errno)))") }
        }
        guard let contents = manager.contents(atPath: path), let key = SecretKeyring.Key(base64: String(decoding: contents, as: UTF8.self)) else {
            throw ConfigurationError("\(path) does not hold a secret key (32 bytes in base64)")
        }
        return (key, false)
    }
}
