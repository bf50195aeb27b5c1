import RallyCore

/// One line of a batch answer: the item's result, or `{"<idField>": id, "error": {…}}` for an item not recorded.
enum BatchItemBody<Result: JSONWritable>: JSONWritable {
    case success(Result)
    /// `idField` names the item's id in the answer (`eventId`, `memberId`); `id` is absent when the item had no string one.
    case failure(idField: String, id: String?, RallyError, requestId: String)

    func write(to json: inout JSONWriter) {
        switch self {
        case let .success(body):
            body.write(to: &json)
        case let .failure(idField, id, error, requestId):
            json.object { json in
                json.optionalField(idField, id)
                json.field("error", error.body(requestId: requestId).error)
            }
        }
    }
}

/// A batch answer: one line per item, in the order sent.
struct BatchBody<Result: JSONWritable>: JSONWritable {
    var results: [BatchItemBody<Result>]

    func write(to json: inout JSONWriter) {
        json.object { $0.field("results", results) }
    }
}
