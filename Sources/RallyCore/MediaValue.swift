import Foundation

/// What a program's reach is worth in paid media: a price per share, per thousand people reached (CPM) or per click
/// (CPC), for each network, in one currency. A network the model does not price is worth nothing.
public struct MediaValue: Sendable, Equatable {
    public enum Model: String, Sendable, CaseIterable {
        case perShare, cpm, cpc
    }

    public var currency: String
    public var model: Model
    /// The price per unit of the model (a share, a thousand people reached, a click), per network.
    public var rates: [String: Double]

    public init(currency: String, model: Model, rates: [String: Double]) {
        self.currency = currency
        self.model = model
        self.rates = rates
    }

    public static let maximumRate = 1_000_000.0
    public static let maximumNetworks = 50

    /// What one network's reach is worth: shares, people reached and clicks counted on that network.
    public func amount(network: String, shares: Int64, potentialReach: Int64, clicks: Int64) -> Double {
        guard let rate = rates[network] else { return 0 }
        switch model {
        case .perShare: return Double(shares) * rate
        case .cpm: return Double(potentialReach) / 1000 * rate
        case .cpc: return Double(clicks) * rate
        }
    }

    /// An amount of money as shown: rounded half away from zero to the cent.
    public static func rounded(_ amount: Double) -> Double {
        (amount * 100).rounded(.toNearestOrAwayFromZero) / 100
    }

    /// The model as the program's settings show it: `{"currency": "EUR", "perShare": {"linkedin": 50}}`.
    public var document: JSONValue {
        .object(["currency": .string(currency), model.rawValue: .object(rates.mapValues { .number($0) })])
    }

    /// Reads a model written as `document` shows it; every problem named under `path`.
    public static func parse(_ value: JSONValue, at path: String) -> Result<MediaValue, ValidationFailure> {
        var reader = DocumentReader()
        let allowed = Set(["currency"] + Model.allCases.map(\.rawValue))
        guard let fields = reader.object(value, at: path, allowed: allowed) else { return .failure(ValidationFailure(problems: reader.problems)) }
        var currency: String?
        if let given = fields["currency"] {
            currency = reader.string(given, at: "\(path).currency")
            if let code = currency, code.count != 3 || !code.allSatisfy({ $0.isASCII && $0.isUppercase }) {
                reader.problem("\(path).currency", "must be an ISO 4217 code of three capital letters, such as EUR")
                currency = nil
            }
        } else {
            reader.problem("\(path).currency", "is required")
        }
        let models = Model.allCases.filter { fields[$0.rawValue] != nil }
        if models.count != 1 {
            reader.problem(path, "must hold exactly one model: perShare, cpm or cpc (a price per network)")
        }
        var rates: [String: Double] = [:]
        if let model = models.first, models.count == 1, let given = fields[model.rawValue],
           let networks = reader.object(given, at: "\(path).\(model.rawValue)") {
            if networks.count > maximumNetworks { reader.problem("\(path).\(model.rawValue)", "at most \(maximumNetworks) networks") }
            for (network, price) in networks.sorted(by: { $0.key < $1.key }) {
                let field = "\(path).\(model.rawValue).\(network)"
                guard Identifier.isValid(network), network.utf8.count <= 64 else {
                    reader.problem("\(path).\(model.rawValue)", "network names are 1-64 characters of A-Z a-z 0-9 . _ : @ -")
                    continue
                }
                guard let number = price.double else {
                    reader.problem(field, "must be a number")
                    continue
                }
                guard number >= 0, number <= maximumRate else {
                    reader.problem(field, "must be from 0 to \(Int(maximumRate))")
                    continue
                }
                rates[network] = number
            }
        }
        guard reader.problems.isEmpty, let currency, let model = models.first else { return .failure(ValidationFailure(problems: reader.problems)) }
        return .success(MediaValue(currency: currency, model: model, rates: rates))
    }
}
