import CLibPQ

/// A statement to run in a pipeline: its text, its text parameters, and whether it is prepared on the connection the
/// first time (`PostgresStatement.isPrepared`).
struct PipelinedStatement: Sendable {
    var sql: String
    var parameters: [String?]
    var isPrepared: Bool
}

extension PostgresConnection {
    /// Runs `statements` in one round trip (libpq's pipeline mode, one sync after the last) and answers each one's rows
    /// or error, in order. They share the pipeline's implicit transaction: reads only (`PostgresPipeline` opens its
    /// connections read-only). PostgreSQL skips what follows a statement that fails, up to the sync: those are run again
    /// one by one. When the connection breaks, every statement not answered yet fails with its error; a batch that
    /// leaves a transaction open (a `BEGIN`) has its connection discarded.
    func pipelined(_ statements: [PipelinedStatement]) -> [Result<PostgresRows, any Error>] {
        var results = [Result<PostgresRows, any Error>?](repeating: nil, count: statements.count)
        var sent: [Int] = []
        var skipped: [Int] = []
        do {
            guard let first = statements.first else { return [] }
            let handle = try openHandle(first.sql)
            // What cannot be sent (a parameter holding NUL) fails alone, before the pipeline starts.
            var outgoing: [(index: Int, name: String?, parameters: CStringArray)] = []
            for (index, statement) in statements.enumerated() {
                do {
                    let parameters = try CStringArray(statement.parameters, statement: statement.sql)
                    let name = statement.isPrepared ? try preparedName(of: statement.sql, parameterCount: statement.parameters.count) : nil
                    outgoing.append((index, name, parameters))
                } catch let error as PostgresError where error.kind != .connection {
                    results[index] = .failure(error)
                }
            }
            guard !outgoing.isEmpty else { return results.map { $0! } }
            guard PQenterPipelineMode(handle) == 1 else { throw broken("could not enter pipeline mode", first.sql) }
            for (index, name, parameters) in outgoing {
                let count = Int32(statements[index].parameters.count)
                let queued = withExtendedLifetime(parameters) {
                    if let name { PQsendQueryPrepared(handle, name, count, parameters.pointers, nil, nil, 0) }
                    else { PQsendQueryParams(handle, statements[index].sql, count, nil, parameters.pointers, nil, nil, 0) }
                }
                guard queued == 1 else { throw broken("could not send a pipelined statement", statements[index].sql) }
                sent.append(index)
            }
            guard PQpipelineSync(handle) == 1 else { throw broken("could not end a pipeline", first.sql) }
            for index in sent {
                guard let result = PQgetResult(handle) else { throw broken("a pipelined statement got no result", statements[index].sql) }
                if PQresultStatus(result) == PGRES_PIPELINE_ABORTED {
                    PQclear(result)
                    skipped.append(index)
                } else {
                    results[index] = Result { try consume(result, statements[index].sql) }
                }
                // Each statement's results end with a null one.
                while let extra = PQgetResult(handle) { PQclear(extra) }
            }
            guard let sync = PQgetResult(handle) else { throw broken("a pipeline ended without its sync", first.sql) }
            let synced = PQresultStatus(sync) == PGRES_PIPELINE_SYNC
            PQclear(sync)
            guard synced, PQexitPipelineMode(handle) == 1 else { throw broken("a pipeline did not end at its sync", first.sql) }
            guard PQtransactionStatus(handle) == PQTRANS_IDLE else { throw broken("a pipelined statement left a transaction open", first.sql) }
        } catch {
            isBroken = true
            return results.map { $0 ?? .failure(error) }
        }
        for index in skipped {
            let statement = statements[index]
            results[index] = Result {
                statement.isPrepared ? try preparedQuery(statement.sql, statement.parameters) : try query(statement.sql, statement.parameters)
            }
        }
        return results.map { $0! }
    }

    /// The connection's state is no longer known: an error naming what failed, with libpq's message when it has one.
    private func broken(_ what: String, _ sql: String) -> PostgresError {
        PostgresError(kind: .connection, message: handle.flatMap(Self.message) ?? what, statement: sql)
    }
}
