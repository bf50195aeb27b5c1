import Foundation
import RallyCore
import Testing

@Suite("Analytics: ranges, survey figures, suppression, media value")
struct AnalyticsMathTests {
    let utc = PeriodCalendar(timeZoneIdentifier: "UTC")!

    func date(_ text: String) -> CivilDate { CivilDate.parse(text)! }

    @Test func periodsAreWholeAndCoverTheRange() throws {
        let range = AnalyticsRange(from: date("2026-10-10"), to: date("2026-12-02"))
        #expect(range.periods(.month, calendar: utc).map(\.period.key) == ["2026-10", "2026-11", "2026-12"])
        #expect(range.periods(.quarter, calendar: utc).map(\.period.key) == ["2026-Q4"])
        let weeks = range.periods(.week, calendar: utc)
        #expect(weeks.first?.period.key == "2026-W41" && weeks.first?.firstDay == date("2026-10-05") && weeks.last?.period.key == "2026-W49")
        #expect(weeks.count == 9)
        #expect(range.periods(.day, calendar: utc).count == 54)
        // Across the year end, ISO weeks keep their year.
        let newYear = AnalyticsRange(from: date("2026-12-28"), to: date("2027-01-04")).periods(.week, calendar: utc)
        #expect(newYear.map(\.period.key) == ["2026-W53", "2027-W01"])
    }

    @Test func rangesDefaultToTwelvePeriodsUpToToday() throws {
        let today = date("2026-11-30")
        func parsed(_ from: String?, _ to: String?, _ granularity: AnalyticsGranularity?) -> Result<AnalyticsRange, ValidationFailure> {
            AnalyticsRange.parse(from: from, to: to, granularity: granularity, today: today)
        }
        #expect(try parsed(nil, nil, .month).get() == AnalyticsRange(from: date("2025-12-01"), to: today))
        #expect(try parsed(nil, nil, .quarter).get() == AnalyticsRange(from: date("2024-01-01"), to: today))
        #expect(try parsed(nil, nil, .week).get().periods(.week, calendar: utc).count == 12)
        #expect(try parsed(nil, nil, nil).get() == AnalyticsRange(from: date("2026-11-01"), to: today))
        #expect(try parsed("2026-01-01", "2026-01-01", .day).get() == AnalyticsRange(from: date("2026-01-01"), to: date("2026-01-01")))
        func fields(_ result: Result<AnalyticsRange, ValidationFailure>) -> [String] {
            guard case let .failure(failure) = result else { return [] }
            return failure.problems.map(\.field)
        }
        #expect(fields(parsed("2026-02-30", nil, .day)) == ["from"])
        #expect(fields(parsed("2026-11-02", "2026-11-01", .day)) == ["from"])
        #expect(fields(parsed("2023-11-30", "2026-11-30", .day)) == ["from"])
        #expect(fields(parsed("2023-12-01", "2026-11-30", .day)) == [])
        #expect(fields(parsed(nil, "30/11/2026", .day)) == ["to"])
    }

    @Test func eNPSIsPromotersMinusDetractorsInPercent() {
        let figures = SatisfactionFigures(kind: .enps, scores: [10, 9, 9, 8, 7, 6, 0, 3])
        #expect(figures.responses == 8 && figures.promoters == 3 && figures.passives == 2 && figures.detractors == 3)
        #expect(figures.enps == 0)
        #expect(figures.average == 52.0 / 8)
        #expect(figures.distribution.count == 11 && figures.distribution[9] == 2 && figures.distribution[1] == 0)
        #expect(SatisfactionFigures(kind: .enps, scores: [10, 10, 6]).enps! == 100.0 / 3)
        let satisfaction = SatisfactionFigures(kind: .satisfaction, scores: [5, 4])
        #expect(satisfaction.enps == nil && satisfaction.promoters == nil && satisfaction.average == 4.5 && satisfaction.distribution.keys.sorted() == [1, 2, 3, 4, 5])
        #expect(SatisfactionFigures(kind: .enps, scores: []).average == nil && SatisfactionFigures(kind: .enps, scores: []).enps == nil)
    }

    typealias Cell = SatisfactionSuppression.Cell

    func hidden(_ rows: [(Int, Int)]) -> Set<String> {
        let suppression = SatisfactionSuppression(rows: rows.map { (ambassadors: $0.0, others: $0.1) })
        return Set(suppression.suppressed.map { cell in
            "\(cell.row.map(String.init) ?? "all").\(cell.column.map { $0 == .ambassadors ? "a" : "o" } ?? "total")"
        })
    }

    @Test func smallGroupsAndTheirComplementsAreHidden() {
        // Without grouping, one row is the program's: its split.
        #expect(hidden([(5, 5)]) == [])
        #expect(hidden([(2, 5)]) == ["0.a", "all.a", "0.o", "all.o"])
        #expect(hidden([(0, 7)]) == ["0.a", "all.a"])
        #expect(hidden([(4, 0)]) == ["0.a", "0.o", "0.total", "all.a", "all.o", "all.total"])
        // A team's two ambassadors are hidden, and so are its others (its total minus them); the program's ambassadors
        // minus Marketing's would give them away too, so Marketing's split goes.
        #expect(hidden([(2, 5), (6, 6)]) == ["0.a", "0.o", "1.a", "1.o"])
        // A team of one: hidden, and the next smallest team with it (the program's total minus the others would tell),
        // and that team's split in turn.
        #expect(hidden([(6, 6), (6, 6), (1, 0)]) == ["2.a", "2.o", "2.total", "0.total", "0.a"])
        // Two small teams whose union is small: a third is hidden with them.
        #expect(hidden([(5, 5), (1, 0), (0, 2), (6, 6)]).isSuperset(of: ["1.total", "2.total", "0.total"]))
    }

    @Test func mediaValueModelsAreReadWithEveryProblemNamed() throws {
        let model = try MediaValue.parse(.object(["currency": .string("EUR"), "perShare": .object(["linkedin": .integer(50)])]), at: "mediaValue").get()
        #expect(model == MediaValue(currency: "EUR", model: .perShare, rates: ["linkedin": 50]))
        #expect(model.amount(network: "linkedin", shares: 3, potentialReach: 900, clicks: 7) == 150)
        #expect(model.amount(network: "x", shares: 3, potentialReach: 900, clicks: 7) == 0)
        #expect(MediaValue(currency: "EUR", model: .cpm, rates: ["x": 10]).amount(network: "x", shares: 1, potentialReach: 2500, clicks: 0) == 25)
        #expect(MediaValue(currency: "EUR", model: .cpc, rates: ["x": 0.3]).amount(network: "x", shares: 1, potentialReach: 2500, clicks: 10) == 3)
        #expect(MediaValue.rounded(18.375) == 18.38 && MediaValue.rounded(0.125) == 0.13)
        func fields(_ value: JSONValue) -> [String] {
            guard case let .failure(failure) = MediaValue.parse(value, at: "mediaValue") else { return [] }
            return failure.problems.map(\.field)
        }
        #expect(fields(.object(["perShare": .object([:])])) == ["mediaValue.currency"])
        #expect(fields(.object(["currency": .string("EUR")])) == ["mediaValue"])
        #expect(fields(.object(["currency": .string("EUR"), "cpm": .object(["x": .string("2")])])) == ["mediaValue.cpm.x"])
        #expect(fields(.object(["currency": .string("EUR"), "cpm": .object(["x": .integer(2)]), "fx": .null])) == ["mediaValue.fx"])
        #expect(fields(.string("EUR")) == ["mediaValue"])
    }
}
