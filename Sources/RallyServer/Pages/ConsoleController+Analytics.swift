import Foundation
import Hummingbird
import RallyAnalytics
import RallyCore

/// The console's analytics page: participation over time as a chart drawn here (SVG) with its numbers in a table and a
/// CSV download, and satisfaction of ambassadors against the others (suppressed groups said so, never shown as zero).
extension ConsoleController {
    func analyticsPage(_ request: Request, _ page: Page) async throws -> Response {
        let program = page.program, query = Query(request), locale = page.language.locale, a = AnalyticsText.of(page.language)
        let granularity = try query.choice("granularity", default: AnalyticsGranularity.week)
        // By default the last twelve periods, this one included.
        let today = program.calendar.localDate(of: Date())
        var first = program.calendar.period(granularity.periodKind, containing: Date())
        for _ in 1..<12 { first = program.calendar.period(granularity.periodKind, containing: (first.start ?? Date()).addingTimeInterval(-1)) }
        let defaultFrom = program.calendar.localDate(of: first.start ?? Date())
        let range = try AnalyticsController.range(query.value("from") == nil && query.value("to") == nil
            ? Query(["from": defaultFrom.text, "to": today.text]) : query, granularity: granularity, program: program)
        let grouping = try AnalyticsController.grouping(query)
        let periods = try await analytics.participation(program: program, periods: range.periods(granularity, calendar: program.calendar), grouping: grouping)
        func percent(_ rate: Double?) -> String { rate.map { $0.formatted(.percent.precision(.fractionLength(0...1)).locale(locale)) } ?? "—" }
        let rows = periods.flatMap { period -> [(period: String, group: String, figures: ParticipationFigures)] in
            [(period.period.period.key, a.everyone, period.total)] + period.groups.map { (period.period.period.key, $0.group ?? a.noGroup, $0.figures) }
        }
        if query.value("format") == "csv" {
            var csv = "period,group,enrolled,active,rate\r\n"
            for row in rows {
                let group = "\"" + row.group.replacingOccurrences(of: "\"", with: "\"\"") + "\""
                csv += "\(row.period),\(group),\(row.figures.enrolled),\(row.figures.active),\(row.figures.rate.map { String(format: "%.4f", $0) } ?? "")\r\n"
            }
            return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8", .cacheControl: "no-store",
                                                   .contentDisposition: "attachment; filename=\"\(program.id)-participation.csv\""],
                            body: .init(byteBuffer: ByteBuffer(string: csv)))
        }
        let answers = try await analytics.satisfaction(program: program, kind: .enps, range: range, grouping: grouping)
        var options = [("granularity", granularity.rawValue), ("from", range.from.text), ("to", range.to.text)]
        if let grouping { options.append(("groupBy", grouping.rawValue)) }
        let model = page.model([
            "a": a, "from": range.from.text, "to": range.to.text,
            "granularities": AnalyticsGranularity.allCases.map { ["value": $0.rawValue, "selected": $0 == granularity] as [String: Any] },
            "groupings": [("", a.noGrouping), ("team", a.team), ("region", a.region)].map {
                ["value": $0.0, "label": $0.1, "selected": $0.0 == (grouping?.rawValue ?? "")] as [String: Any]
            },
            "chart": Self.chart(periods.map { ($0.period.period.key, $0.total.rate) }, title: a.chartTitle, locale: locale),
            "rows": rows.map { ["period": $0.period, "group": $0.group, "enrolled": $0.figures.enrolled.formatted(.number.locale(locale)),
                                "active": $0.figures.active.formatted(.number.locale(locale)), "rate": percent($0.figures.rate)] as [String: Any] },
            "csv": "/console/\(program.id)/analytics?" + PageController.encode(options + [("format", "csv")]),
            "satisfaction": Self.satisfaction(answers, grouping: grouping, text: a, locale: locale),
        ])
        return render("console-analytics", model, request: request)
    }

    /// Bars of participation per period (0 to 100 %), each with its value as a title; the table beside says the same.
    static func chart(_ bars: [(label: String, rate: Double?)], title: String, locale: Locale) -> String {
        let width = 640.0, height = 200.0, gap = 4.0
        let barWidth = bars.isEmpty ? 0 : (width - gap * Double(bars.count + 1)) / Double(bars.count)
        var svg = #"<svg class="chart" viewBox="0 0 640 230" role="img" aria-labelledby="chart-title" xmlns="http://www.w3.org/2000/svg">"#
        svg += "<title id=\"chart-title\">\(escape(title))</title>"
        svg += ##"<line x1="0" y1="200" x2="640" y2="200" stroke="#4a5360"/>"##
        for (index, bar) in bars.enumerated() {
            let x = gap + Double(index) * (barWidth + gap), rate = bar.rate ?? 0, h = rate * height
            let value = bar.rate.map { $0.formatted(.percent.precision(.fractionLength(0...1)).locale(locale)) } ?? "—"
            svg += String(format: ##"<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#0b4fbf" data-period="%@" data-rate="%@"><title>%@</title></rect>"##,
                          x, height - h, barWidth, h, escape(bar.label), bar.rate.map { String(format: "%.4f", $0) } ?? "", escape("\(bar.label): \(value)"))
            if bars.count <= 16 {
                svg += String(format: ##"<text x="%.1f" y="218" font-size="10" text-anchor="middle" fill="#1b1f24">%@</text>"##, x + barWidth / 2, escape(bar.label))
            }
        }
        return svg + "</svg>"
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// eNPS of ambassadors and others, overall and per group; a suppressed figure says so.
    static func satisfaction(_ answers: SatisfactionAnswers, grouping: AnalyticsGrouping?, text: AnalyticsText, locale: Locale) -> [[String: Any]] {
        let rows = grouping == nil
            ? [(group: text.everyone, ambassadors: answers.groups.flatMap(\.ambassadors), others: answers.groups.flatMap(\.others))]
            : answers.groups.map { (group: $0.group ?? text.noGroup, ambassadors: $0.ambassadors, others: $0.others) }
        let suppression = SatisfactionSuppression(rows: rows.map { ($0.ambassadors.count, $0.others.count) })
        return rows.enumerated().map { index, row -> [String: Any] in
            let key: Int? = grouping == nil ? 0 : index
            func figure(_ scores: [Int], _ column: SatisfactionSuppression.Split) -> String {
                if suppression.isSuppressed(row: key, column: column) { return text.suppressed }
                return SatisfactionFigures(kind: .enps, scores: scores).enps.map { $0.formatted(.number.precision(.fractionLength(1)).locale(locale)) } ?? "—"
            }
            return ["group": row.group, "ambassadors": figure(row.ambassadors, .ambassadors), "others": figure(row.others, .others),
                    "responses": (row.ambassadors.count + row.others.count).formatted(.number.locale(locale))]
        }
    }
}

/// The analytics page's words.
struct AnalyticsText: Sendable {
    var analytics, participation, chartTitle, granularity, groupBy, noGrouping, team, region, show, period, group, enrolled, active, rate: String
    var everyone, noGroup, download, satisfaction, ambassadors, others, responses, suppressed, satisfactionHelp: String

    static func of(_ language: PageLanguage) -> AnalyticsText {
        switch language {
        case .en:
            AnalyticsText(analytics: "Analytics", participation: "Participation", chartTitle: "Participation rate per period, everyone",
                          granularity: "Per", groupBy: "Grouped by", noGrouping: "nothing", team: "team", region: "region", show: "Show",
                          period: "Period", group: "Group", enrolled: "Enrolled", active: "Active", rate: "Rate", everyone: "Everyone",
                          noGroup: "(none)", download: "Download the table (CSV)", satisfaction: "Satisfaction (eNPS)", ambassadors: "Ambassadors",
                          others: "Others", responses: "Answers", suppressed: "suppressed",
                          satisfactionHelp: "A group of fewer than 5 respondents, or one the others would reveal, is suppressed: never shown as zero.")
        case .fr:
            AnalyticsText(analytics: "Analyses", participation: "Participation", chartTitle: "Taux de participation par période, tout le monde",
                          granularity: "Par", groupBy: "Regroupé par", noGrouping: "rien", team: "équipe", region: "région", show: "Afficher",
                          period: "Période", group: "Groupe", enrolled: "Inscrits", active: "Actifs", rate: "Taux", everyone: "Tout le monde",
                          noGroup: "(aucun)", download: "Télécharger le tableau (CSV)", satisfaction: "Satisfaction (eNPS)", ambassadors: "Ambassadeurs",
                          others: "Autres", responses: "Réponses", suppressed: "masqué",
                          satisfactionHelp: "Un groupe de moins de 5 répondants, ou que les autres révéleraient, est masqué : jamais montré comme zéro.")
        }
    }
}
