/// Waits until `condition` holds, checking every `poll`, for `within` at most; answers whether it held. For what
/// background work does on its own schedule (a writer coming back in line, a delivery arriving).
package func eventually(within limit: Duration, poll: Duration = .milliseconds(100),
                        _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + limit
    while true {
        if try await condition() { return true }
        guard ContinuousClock.now < deadline else { return false }
        try await Task.sleep(for: poll)
    }
}
