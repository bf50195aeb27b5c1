import Foundation

/// The languages pages speak.
enum PageLanguage: String, CaseIterable, Sendable {
    case en, fr

    /// `?lang=` when it names one, else the token's, else the first of `Accept-Language` Rally speaks, else English.
    static func choose(query: String?, token: String?, acceptLanguage: String?) -> PageLanguage {
        if let query, let language = PageLanguage(rawValue: query) { return language }
        if let token, let language = PageLanguage(rawValue: token) { return language }
        let ranked = (acceptLanguage ?? "").split(separator: ",").enumerated().compactMap { index, part -> (PageLanguage, Double, Int)? in
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let tag = pieces.first?.lowercased().split(separator: "-").first, let language = PageLanguage(rawValue: String(tag)) else { return nil }
            let quality = pieces.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            return quality > 0 ? (language, quality, index) : nil
        }
        return ranked.min { ($0.1, -$0.2) > ($1.1, -$1.2) }?.0 ?? .en
    }

    var locale: Locale { Locale(identifier: self == .fr ? "fr_FR" : "en_GB") }
}
