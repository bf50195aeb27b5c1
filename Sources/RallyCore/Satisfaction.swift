import Foundation

/// The two surveys Rally reads: eNPS ("how likely are you to recommend…", 0–10) and satisfaction (1–5).
public enum SurveyKind: String, Sendable, CaseIterable {
    case enps, satisfaction

    public var scores: ClosedRange<Int> {
        switch self {
        case .enps: 0...10
        case .satisfaction: 1...5
        }
    }
}

/// What a group of survey answers says: how many, their average, the distribution and, for eNPS, promoters (9–10),
/// passives (7–8), detractors (0–6) and the score (% promoters − % detractors).
public struct SatisfactionFigures: Sendable, Equatable {
    public var responses: Int
    /// Answers per score, every score of the kind present.
    public var distribution: [Int: Int]
    public var kind: SurveyKind

    public init(kind: SurveyKind, scores: [Int]) {
        self.kind = kind
        responses = scores.count
        distribution = Dictionary(uniqueKeysWithValues: kind.scores.map { ($0, 0) })
        for score in scores { distribution[score, default: 0] += 1 }
    }

    /// The mean score (answers show it to two decimals); nil without answers.
    public var average: Double? {
        guard responses > 0 else { return nil }
        return Double(distribution.reduce(0) { $0 + $1.key * $1.value }) / Double(responses)
    }

    public var promoters: Int? { kind == .enps ? count(9...10) : nil }
    public var passives: Int? { kind == .enps ? count(7...8) : nil }
    public var detractors: Int? { kind == .enps ? count(0...6) : nil }

    /// % promoters − % detractors, −100 to 100 (answers show it to one decimal); nil without answers or for satisfaction.
    public var enps: Double? {
        guard kind == .enps, responses > 0, let promoters, let detractors else { return nil }
        return Double(promoters - detractors) * 100 / Double(responses)
    }

    private func count(_ scores: ClosedRange<Int>) -> Int {
        scores.reduce(0) { $0 + (distribution[$1] ?? 0) }
    }
}

/// Which published groups of survey answers are suppressed so that no group of fewer than `minimum` respondents can be
/// read, directly or by subtracting published figures.
///
/// The answer is a table: a row per group (or one row for the whole program) split into ambassadors and others, with
/// each row's total, and the program's totals beside. Every total is the sum of its parts: a row's total of its two
/// cells, the program's of the rows (and of the two cells of the program's own split). A group of fewer than `minimum`
/// respondents is suppressed; then, as long as some sum has exactly one suppressed part holding respondents (which the
/// others would reveal), or suppressed parts whose union holds fewer than `minimum` respondents, the smallest published
/// part holding respondents is suppressed too (an empty group hides no one, so it cannot cover another).
public struct SatisfactionSuppression: Sendable, Equatable {
    public static let minimum = 5

    /// A cell of the table: a row (nil: the program's row) and a column (nil: the row's total).
    public struct Cell: Hashable, Sendable {
        public var row: Int?
        public var column: Split?

        public init(row: Int?, column: Split?) {
            self.row = row
            self.column = column
        }
    }

    public enum Split: Sendable, Hashable, CaseIterable {
        case ambassadors, others
    }

    public private(set) var suppressed: Set<Cell>

    /// `rows`: each group's respondents, ambassadors and others; the program's row is their sum. Without grouping,
    /// one row (whose total is then the program's).
    public init(rows: [(ambassadors: Int, others: Int)], minimum: Int = Self.minimum) {
        var counts: [Cell: Int] = [:]
        for (index, row) in rows.enumerated() {
            counts[Cell(row: index, column: .ambassadors)] = row.ambassadors
            counts[Cell(row: index, column: .others)] = row.others
            counts[Cell(row: index, column: nil)] = row.ambassadors + row.others
        }
        for column in [Split?.none, .ambassadors, .others] {
            counts[Cell(row: nil, column: column)] = rows.indices.reduce(0) { $0 + counts[Cell(row: $1, column: column), default: 0] }
        }
        // Each sum: the total first, then its parts.
        var sums: [[Cell]] = [[Cell(row: nil, column: nil), Cell(row: nil, column: .ambassadors), Cell(row: nil, column: .others)]]
        for index in rows.indices {
            sums.append([Cell(row: index, column: nil), Cell(row: index, column: .ambassadors), Cell(row: index, column: .others)])
        }
        if rows.count > 1 {
            for column in [Split?.none, .ambassadors, .others] {
                sums.append([Cell(row: nil, column: column)] + rows.indices.map { Cell(row: $0, column: column) })
            }
        }
        var suppressed = Set(counts.filter { $0.value < minimum }.keys)
        var changed = true
        while changed {
            changed = false
            for sum in sums {
                let hidden = sum.filter { suppressed.contains($0) && counts[$0, default: 0] > 0 }
                let hiddenParts = hidden.filter { $0 != sum[0] }
                let revealing = hidden.count == 1
                    || (!hidden.contains(sum[0]) && !hiddenParts.isEmpty && hiddenParts.reduce(0) { $0 + counts[$1, default: 0] } < minimum)
                guard revealing else { continue }
                let candidates = sum.dropFirst().filter { !suppressed.contains($0) && counts[$0, default: 0] > 0 }
                let next = candidates.min { (counts[$0, default: 0], $0.row ?? -1, $0.column == .ambassadors ? 0 : 1) < (counts[$1, default: 0], $1.row ?? -1, $1.column == .ambassadors ? 0 : 1) }
                    ?? (suppressed.contains(sum[0]) || counts[sum[0]]! == 0 ? nil : sum[0])
                if let next {
                    suppressed.insert(next)
                    changed = true
                }
            }
        }
        self.suppressed = suppressed
    }

    public func isSuppressed(row: Int?, column: Split?) -> Bool {
        suppressed.contains(Cell(row: row, column: column))
    }
}
