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
        func number(_ value: some BinaryInteger) -> String { page.language.number(value) }
        let rows = periods.flatMap { period -> [(period: String, group: String, figures: ParticipationFigures)] in
            [(period.period.period.key, a.everyone, period.total)] + period.groups.map { (period.period.period.key, $0.group ?? a.noGroup, $0.figures) }
        }
        let satisfaction = Self.satisfaction(try await analytics.satisfaction(program: program, kind: .enps, range: range, grouping: grouping),
                                             grouping: grouping, text: a)
        let reach = Self.reach(try await analytics.reach(program: program, range: range, grouping: grouping), grouping: grouping,
                               model: program.settings.mediaValue, text: a)

        var options = [("granularity", granularity.rawValue), ("from", range.from.text), ("to", range.to.text)]
        if let grouping { options.append(("groupBy", grouping.rawValue)) }
        if query.value("format") == "csv" {
            let table = try query.choice("table", default: AnalyticsTable.participation)
            let lines: [[String]] = switch table {
            case .participation:
                [["period", "group", "enrolled", "active", "rate"]]
                    + rows.map { [$0.period, $0.group, String($0.figures.enrolled), String($0.figures.active), $0.figures.rate.map { String(format: "%.4f", $0) } ?? ""] }
            case .satisfaction:
                [["group", "ambassadors_enps", "others_enps", "responses"]]
                    + satisfaction.map { [$0.group, Self.csvFigure($0.ambassadors), Self.csvFigure($0.others), String($0.responses)] }
            case .reach:
                [["group", "network", "shares", "posts", "clicks", "potential_reach", "media_value", "currency"]]
                    + reach.rows.map { [$0.group, $0.network, String($0.figures.shares), String($0.figures.posts), String($0.figures.clicks),
                                        String($0.figures.potentialReach), $0.value.map { String(format: "%.2f", $0) } ?? "", reach.currency ?? ""] }
            }
            // Names quoted (a group's name may hold a comma or a quote); numbers, keys and the header as they are.
            let names: Set<Int> = switch table {
            case .participation: [1]
            case .satisfaction: [0]
            case .reach: [0, 1, 7]
            }
            let csv = lines.enumerated().map { index, line in
                line.enumerated().map { column, field in
                    index > 0 && names.contains(column) ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
                }.joined(separator: ",")
            }.joined(separator: "\r\n") + "\r\n"
            return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8", .cacheControl: "no-store",
                                                   .contentDisposition: "attachment; filename=\"\(program.id)-\(table.rawValue).csv\""],
                            body: .init(byteBuffer: ByteBuffer(string: csv)))
        }
        func csvLink(_ table: AnalyticsTable) -> String {
            "/console/\(program.id)/analytics?" + PageController.encode(options + [("format", "csv"), ("table", table.rawValue)])
        }
        func figure(_ value: Double??) -> String {
            switch value {
            case .none: a.suppressed
            case let .some(value): value.map { $0.formatted(.number.precision(.fractionLength(1)).locale(locale)) } ?? "—"
            }
        }
        let networks = Dictionary(grouping: reach.rows, by: \.network).map { network, rows in
            (network, rows.reduce(Int64(0)) { $0 + $1.figures.potentialReach })
        }.sorted { $0.0 < $1.0 }
        let largest = Double(networks.map(\.1).max() ?? 0)
        let model = page.model([
            "a": a, "from": range.from.text, "to": range.to.text,
            "granularities": AnalyticsGranularity.allCases.map { ["value": $0.rawValue, "selected": $0 == granularity] as [String: Any] },
            "groupings": [("", a.noGrouping), ("team", a.team), ("region", a.region)].map {
                ["value": $0.0, "label": $0.1, "selected": $0.0 == (grouping?.rawValue ?? "")] as [String: Any]
            },
            "chart": Self.chart(periods.map { period in
                Bar(label: period.period.period.key, share: period.total.rate, title: "\(period.period.period.key): \(percent(period.total.rate))",
                    data: [("period", period.period.period.key), ("rate", period.total.rate.map { String(format: "%.4f", $0) } ?? "")])
            }, title: a.chartTitle, id: "participation"),
            "rows": rows.map { ["period": $0.period, "group": $0.group, "enrolled": number($0.figures.enrolled),
                                "active": number($0.figures.active), "rate": percent($0.figures.rate)] as [String: Any] },
            "csv": csvLink(.participation),
            "satisfaction": satisfaction.map { ["group": $0.group, "ambassadors": figure($0.ambassadors), "others": figure($0.others),
                                                "responses": number($0.responses)] as [String: Any] },
            "satisfactionChart": Self.chart(satisfaction.flatMap { row in
                [(a.ambassadors, row.ambassadors, "ambassadors"), (a.others, row.others, "others")].map { label, value, kind in
                    // eNPS runs from -100 to 100: the bar is drawn from the floor of that scale.
                    Bar(label: "\(row.group) · \(label)", share: (value ?? nil).map { ($0 + 100) / 200 }, title: "\(row.group) · \(label): \(figure(value))",
                        data: [("group", row.group), ("split", kind), ("enps", (value ?? nil).map { String(format: "%.1f", $0) } ?? (value == nil ? "suppressed" : ""))],
                        muted: kind == "others")
                }
            }, title: a.satisfactionChartTitle, id: "satisfaction"),
            "satisfactionCSV": csvLink(.satisfaction),
            "reach": reach.rows.map { row -> [String: Any] in
                ["group": row.group, "network": row.network, "shares": number(row.figures.shares), "posts": number(row.figures.posts),
                 "clicks": number(row.figures.clicks), "potentialReach": number(row.figures.potentialReach),
                 "value": row.value.map { $0.formatted(.number.precision(.fractionLength(2)).locale(locale)) } ?? "—"]
            },
            "reachCurrency": reach.currency ?? "—",
            "reachChart": Self.chart(networks.map { network, people in
                Bar(label: network, share: largest > 0 ? Double(people) / largest : 0, title: "\(network): \(number(people))",
                    data: [("network", network), ("reach", String(people))])
            }, title: a.reachChartTitle, id: "reach"),
            "reachCSV": csvLink(.reach),
        ])
        return render("console-analytics", model, request: request)
    }

    /// One bar of a chart: its share of the chart's height (0 to 1; nil: no bar, as for a suppressed figure), the title a
    /// pointer or a screen reader gets, and `data-*` attributes for tests.
    struct Bar {
        var label: String
        var share: Double?
        var title: String
        var data: [(String, String)]
        var muted = false
    }

    /// Bars drawn here as SVG, each with its value as a title; the table beside says the same.
    static func chart(_ bars: [Bar], title: String, id: String) -> String {
        let width = 640.0, height = 200.0, gap = 4.0
        let barWidth = bars.isEmpty ? 0 : (width - gap * Double(bars.count + 1)) / Double(bars.count)
        var svg = #"<svg class="chart" data-chart="\#(id)" viewBox="0 0 640 230" role="img" aria-labelledby="chart-\#(id)" xmlns="http://www.w3.org/2000/svg">"#
        svg += "<title id=\"chart-\(id)\">\(escape(title))</title>"
        svg += ##"<line x1="0" y1="200" x2="640" y2="200" stroke="#4a5360"/>"##
        for (index, bar) in bars.enumerated() {
            let x = gap + Double(index) * (barWidth + gap), h = max(0, min(1, bar.share ?? 0)) * height
            let data = bar.data.map { " data-\($0.0)=\"\(escape($0.1))\"" }.joined()
            svg += String(format: ##"<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%@"%@><title>%@</title></rect>"##,
                          x, height - h, barWidth, h, bar.muted ? "#6b7480" : "#0b4fbf", data, escape(bar.title))
            if bars.count <= 16 {
                svg += String(format: ##"<text x="%.1f" y="218" font-size="10" text-anchor="middle" fill="#1b1f24">%@</text>"##, x + barWidth / 2,
                              escape(String(bar.label.prefix(24))))
            }
        }
        return svg + "</svg>"
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// The tables the analytics page downloads as CSV.
    enum AnalyticsTable: String, CaseIterable {
        case participation, satisfaction, reach
    }

    /// One row of the satisfaction table: the eNPS of ambassadors and of the others (nil: suppressed; `.some(nil)`:
    /// nobody answered), and how many answers.
    struct SatisfactionRow {
        var group: String
        var ambassadors: Double??
        var others: Double??
        var responses: Int
    }

    /// eNPS of ambassadors and others, overall and per group; a suppressed figure is nil, never zero.
    static func satisfaction(_ answers: SatisfactionAnswers, grouping: AnalyticsGrouping?, text: AnalyticsText) -> [SatisfactionRow] {
        let rows = grouping == nil
            ? [(group: text.everyone, ambassadors: answers.groups.flatMap(\.ambassadors), others: answers.groups.flatMap(\.others))]
            : answers.groups.map { (group: $0.group ?? text.noGroup, ambassadors: $0.ambassadors, others: $0.others) }
        let suppression = SatisfactionSuppression(rows: rows.map { ($0.ambassadors.count, $0.others.count) })
        return rows.enumerated().map { index, row in
            let key: Int? = grouping == nil ? 0 : index
            func figure(_ scores: [Int], _ column: SatisfactionSuppression.Split) -> Double?? {
                suppression.isSuppressed(row: key, column: column) ? nil : .some(SatisfactionFigures(kind: .enps, scores: scores).enps)
            }
            return SatisfactionRow(group: row.group, ambassadors: figure(row.ambassadors, .ambassadors), others: figure(row.others, .others),
                                   responses: row.ambassadors.count + row.others.count)
        }
    }

    /// A CSV cell of an eNPS: `suppressed`, empty when nobody answered, else one decimal.
    static func csvFigure(_ value: Double??) -> String {
        switch value {
        case .none: "suppressed"
        case let .some(value): value.map { String(format: "%.1f", $0) } ?? ""
        }
    }

    /// Reach per group and network, each with its media value under the program's model (nil while it has none).
    static func reach(_ rows: [(group: String?, network: String?, figures: ReachFigures)], grouping: AnalyticsGrouping?, model: MediaValue?,
                      text: AnalyticsText) -> (rows: [(group: String, network: String, figures: ReachFigures, value: Double?)], currency: String?) {
        let named = rows.map { row in
            (group: grouping == nil ? text.everyone : row.group ?? text.noGroup, network: row.network ?? text.noNetwork, figures: row.figures,
             value: model.map { model in
                 MediaValue.rounded(row.network.map { model.amount(network: $0, shares: row.figures.shares, potentialReach: row.figures.potentialReach,
                                                                  clicks: row.figures.clicks) } ?? 0)
             })
        }
        return (named.sorted { ($0.group, $0.network) < ($1.group, $1.network) }, model?.currency)
    }
}

/// The analytics page's words.
struct AnalyticsText: Sendable {
    var analytics, participation, chartTitle, granularity, groupBy, noGrouping, team, region, show, period, group, enrolled, active, rate: String
    var everyone, noGroup, download, satisfaction, ambassadors, others, responses, suppressed, satisfactionHelp: String
    var satisfactionChartTitle, reach, reachChartTitle, reachHelp, network, shares, posts, clicks, potentialReach, mediaValue, noNetwork: String

    static func of(_ language: PageLanguage) -> AnalyticsText {
        switch language {
        case .en:
            AnalyticsText(analytics: "Analytics", participation: "Participation", chartTitle: "Participation rate per period, everyone",
                          granularity: "Per", groupBy: "Grouped by", noGrouping: "nothing", team: "team", region: "region", show: "Show",
                          period: "Period", group: "Group", enrolled: "Enrolled", active: "Active", rate: "Rate", everyone: "Everyone",
                          noGroup: "(none)", download: "Download the table (CSV)", satisfaction: "Satisfaction (eNPS)", ambassadors: "Ambassadors",
                          others: "Others", responses: "Answers", suppressed: "suppressed",
                          satisfactionHelp: "A group of fewer than 5 respondents, or one the others would reveal, is suppressed: never shown as zero.",
                          satisfactionChartTitle: "eNPS of ambassadors and of the others, from -100 to 100", reach: "Reach and media value",
                          reachChartTitle: "Potential reach per network", reachHelp: "Shares reach their sharer's audience on the network; media value follows the program's model (none set: —).",
                          network: "Network", shares: "Shares", posts: "Posts", clicks: "Clicks", potentialReach: "Potential reach", mediaValue: "Media value",
                          noNetwork: "(none)")
        case .fr:
            AnalyticsText(analytics: "Analyses", participation: "Participation", chartTitle: "Taux de participation par période, tout le monde",
                          granularity: "Par", groupBy: "Regroupé par", noGrouping: "rien", team: "équipe", region: "région", show: "Afficher",
                          period: "Période", group: "Groupe", enrolled: "Inscrits", active: "Actifs", rate: "Taux", everyone: "Tout le monde",
                          noGroup: "(aucun)", download: "Télécharger le tableau (CSV)", satisfaction: "Satisfaction (eNPS)", ambassadors: "Ambassadeurs",
                          others: "Autres", responses: "Réponses", suppressed: "masqué",
                          satisfactionHelp: "Un groupe de moins de 5 répondants, ou que les autres révéleraient, est masqué : jamais montré comme zéro.",
                          satisfactionChartTitle: "eNPS des ambassadeurs et des autres, de -100 à 100", reach: "Portée et valeur média",
                          reachChartTitle: "Portée potentielle par réseau", reachHelp: "Un partage atteint l’audience de son auteur sur le réseau ; la valeur média suit le modèle du programme (aucun : —).",
                          network: "Réseau", shares: "Partages", posts: "Publications", clicks: "Clics", potentialReach: "Portée potentielle",
                          mediaValue: "Valeur média", noNetwork: "(aucun)")
        }
    }
}
