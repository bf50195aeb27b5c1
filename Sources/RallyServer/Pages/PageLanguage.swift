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

    /// A whole number grouped by thousands as the language writes it (`1,250`; `1 250` with a narrow no-break space).
    /// Written here: Foundation's formatters cost a millisecond each on Linux, and a board shows twenty numbers.
    func number(_ value: some BinaryInteger) -> String {
        let digits = String(value.magnitude)
        var grouped = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { grouped += self == .fr ? "\u{202F}" : "," }
            grouped.append(digit)
        }
        return (value < 0 ? "-" : "") + grouped
    }

    /// `template` with each `%@` replaced by the next of `values`, in order: what `String(format:)` does with strings, at a
    /// small part of its cost (the leaderboard page writes one for each viewer).
    static func fill(_ template: String, _ values: String...) -> String {
        var result = "", rest = values.makeIterator(), percent = false
        for character in template {
            if percent {
                percent = false
                if character == "@" {
                    result += rest.next() ?? ""
                    continue
                }
                result.append("%")
            }
            if character == "%" { percent = true } else { result.append(character) }
        }
        return percent ? result + "%" : result
    }

    /// An instant as the language writes it, in `timeZone`: `7 Dec 2026, 14:05`, `7 déc. 2026 à 14:05`.
    func moment(_ date: Date, in timeZone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.hour, .minute], from: date)
        let time = String(format: "%02d:%02d", parts.hour ?? 0, parts.minute ?? 0)
        return day(date, in: timeZone) + (self == .fr ? " à " : ", ") + time
    }

    /// A local day as the language writes it: `7 Dec 2026`, `7 déc. 2026`.
    func day(_ date: Date, in timeZone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        let months = self == .fr
            ? ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."]
            : ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return "\(parts.day ?? 1) \(months[(parts.month ?? 1) - 1]) \(parts.year ?? 1970)"
    }
}
