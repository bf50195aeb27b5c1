import Foundation
import RallyAnalytics
import RallyCore
import RallyStorage

extension AnalyticsController {
    /// `from`, `to` and `groupBy` as the answer repeats them, and where its figures were read (`readFrom`).
    static func writeRange(_ range: AnalyticsRange, grouping: AnalyticsGrouping?, source: ReportDatabase.Source, to json: inout JSONWriter) {
        json.field("from", PeriodCalendar.dayKey(range.from))
        json.field("to", PeriodCalendar.dayKey(range.to))
        json.field("groupBy", grouping?.rawValue)
        json.field("readFrom", object: { json in
            json.field("database", source.database)
            json.field("replicaLagSeconds", source.replicaLagSeconds, places: 3)
        })
    }

    /// A group's name under the field its grouping names (`"team": "Sales"`, null for members without one).
    static func writeGroup(_ group: String?, grouping: AnalyticsGrouping, to json: inout JSONWriter) {
        json.field(grouping.rawValue, group)
    }

    struct ParticipationBody: JSONWritable {
        var program: ProgramContext
        var granularity: AnalyticsGranularity
        var range: AnalyticsRange
        var grouping: AnalyticsGrouping?
        var source: ReportDatabase.Source
        var periods: [ParticipationPeriod]

        func write(to json: inout JSONWriter) {
            json.object { json in
                json.field("granularity", granularity.rawValue)
                AnalyticsController.writeRange(range, grouping: grouping, source: source, to: &json)
                json.field("qualifyingActions", strings: program.settings.qualifyingActions)
                json.field("definitions", object: { json in
                    json.field("period", "every whole \(granularity.rawValue) of the program's time zone (\(program.timeZone.identifier)) that overlaps from..to")
                    json.field("enrolled", "members enrolled at the period's end, as the enrolment history has them; grouped by the team or region they were in then")
                    json.field("active", "enrolled members with at least one qualifying action in the period (an event the rules scored, even for 0 points or capped; retracted events do not count)")
                    json.field("rate", "active / enrolled, 0 to 1, rounded to 4 decimals; null when no one was enrolled")
                    json.field("newlyActive", "active members whose first qualifying action ever falls in the period")
                    json.field("actions", "events of each action in the period by the members counted as enrolled, whether or not the action qualifies")
                })
                json.key("periods")
                json.array(periods) { json, period in
                    json.object { json in
                        json.field("period", object: { LeaderboardController.PeriodBody(period: period.period.period, timeZone: program.timeZone).write(to: &$0) })
                        Self.write(period.total, to: &json)
                        if let grouping {
                            json.key("groups")
                            json.array(period.groups) { json, group in
                                json.object { json in
                                    AnalyticsController.writeGroup(group.group, grouping: grouping, to: &json)
                                    Self.write(group.figures, to: &json)
                                }
                            }
                        }
                    }
                }
            }
        }

        static func write(_ figures: ParticipationFigures, to json: inout JSONWriter) {
            json.field("enrolled", figures.enrolled)
            json.field("active", figures.active)
            json.field("rate", figures.rate, places: 4)
            json.field("newlyActive", figures.newlyActive)
            json.field("actions", object: { json in
                for (action, count) in figures.actions.sorted(by: { $0.key < $1.key }) { json.field(action, count) }
            })
        }
    }

    struct SatisfactionBody: JSONWritable {
        var program: ProgramContext
        var kind: SurveyKind
        var range: AnalyticsRange
        var grouping: AnalyticsGrouping?
        var source: ReportDatabase.Source
        var answers: SatisfactionAnswers

        func write(to json: inout JSONWriter) {
            let rows = grouping == nil
                ? [(ambassadors: answers.groups.flatMap(\.ambassadors), others: answers.groups.flatMap(\.others))]
                : answers.groups.map { (ambassadors: $0.ambassadors, others: $0.others) }
            let suppression = SatisfactionSuppression(rows: rows.map { ($0.ambassadors.count, $0.others.count) })
            json.object { json in
                json.field("kind", kind.rawValue)
                AnalyticsController.writeRange(range, grouping: grouping, source: source, to: &json)
                json.field("qualifyingActions", strings: program.settings.qualifyingActions)
                json.field("definitions", object: { json in
                    json.field("responses", "answers in from..to (the program's local days): each member's latest, and every anonymous answer")
                    json.field("enps", "% promoters (9-10) - % detractors (0-6), one decimal; eNPS answers only")
                    json.field("average", "the mean score, two decimals")
                    json.field("ambassadors", "answers of members with a qualifying action in from..to")
                    json.field("others", "every other answer, anonymous ones included")
                    json.field("difference", "ambassadors' figure minus others'")
                    json.field("suppressed", "a group of fewer than \(SatisfactionSuppression.minimum) respondents, or one whose figures the published ones would reveal, shows null figures")
                    if let grouping { json.field("groups", "by the \(grouping.rawValue) each member was in when answering; anonymous answers have none") }
                })
                let all = rows.reduce(into: (ambassadors: [Int](), others: [Int]())) { $0.ambassadors += $1.ambassadors; $0.others += $1.others }
                writeRow(grouping == nil ? 0 : nil, all, suppression: suppression, to: &json)
                if let grouping {
                    json.key("groups")
                    json.array(Array(zip(answers.groups.indices, answers.groups))) { json, entry in
                        json.object { json in
                            AnalyticsController.writeGroup(entry.1.group, grouping: grouping, to: &json)
                            writeRow(entry.0, (entry.1.ambassadors, entry.1.others), suppression: suppression, to: &json)
                        }
                    }
                }
            }
        }

        /// A row's figures, its split and the difference (inside an open object).
        private func writeRow(_ row: Int?, _ answers: (ambassadors: [Int], others: [Int]), suppression: SatisfactionSuppression, to json: inout JSONWriter) {
            let total = SatisfactionFigures(kind: kind, scores: answers.ambassadors + answers.others)
            let ambassadors = SatisfactionFigures(kind: kind, scores: answers.ambassadors)
            let others = SatisfactionFigures(kind: kind, scores: answers.others)
            let hidden = (total: suppression.isSuppressed(row: row, column: nil), ambassadors: suppression.isSuppressed(row: row, column: .ambassadors),
                          others: suppression.isSuppressed(row: row, column: .others))
            Self.writeFigures(total, suppressed: hidden.total, to: &json)
            json.field("ambassadors", object: { Self.writeFigures(ambassadors, suppressed: hidden.ambassadors, to: &$0) })
            json.field("others", object: { Self.writeFigures(others, suppressed: hidden.others, to: &$0) })
            let shown = !hidden.ambassadors && !hidden.others
            json.field("difference", object: { json in
                json.field("average", shown ? ambassadors.average.flatMap { a in others.average.map { a - $0 } } : nil, places: 2)
                json.field("enps", shown ? ambassadors.enps.flatMap { a in others.enps.map { a - $0 } } : nil, places: 1)
            })
        }

        private static func writeFigures(_ figures: SatisfactionFigures, suppressed: Bool, to json: inout JSONWriter) {
            json.field("suppressed", suppressed)
            json.field("responses", suppressed ? nil : figures.responses)
            json.field("average", suppressed ? nil : figures.average, places: 2)
            json.field("enps", suppressed ? nil : figures.enps, places: 1)
            json.field("promoters", suppressed ? nil : figures.promoters)
            json.field("passives", suppressed ? nil : figures.passives)
            json.field("detractors", suppressed ? nil : figures.detractors)
            json.key("distribution")
            if suppressed {
                json.null()
            } else {
                json.object { json in
                    for (score, count) in figures.distribution.sorted(by: { $0.key < $1.key }) { json.field(String(score), count) }
                }
            }
        }
    }

    struct ReachBody: JSONWritable {
        var program: ProgramContext
        var range: AnalyticsRange
        var grouping: AnalyticsGrouping?
        var source: ReportDatabase.Source
        var rows: [(group: String?, network: String?, figures: ReachFigures)]

        func write(to json: inout JSONWriter) {
            let model = program.settings.mediaValue
            json.object { json in
                AnalyticsController.writeRange(range, grouping: grouping, source: source, to: &json)
                json.field("definitions", object: { json in
                    json.field("shares", "share events in from..to (the program's local days); retracted ones and those of members not enrolled left out")
                    json.field("posts", "post events, counted alike")
                    json.field("potentialReach", "the sum, over shares, of the sharer's audience on the share's network as recorded at the share's instant")
                    json.field("engagement", "click events, counted alike")
                    json.field("mediaValue", "the program's model: perShare × shares, cpm × potentialReach / 1000, or cpc × clicks, per network, rounded to the cent; a network the model does not price is worth 0; null while no model is set")
                    if let grouping { json.field("groups", "by the \(grouping.rawValue) the sharer was in at the event's instant") }
                })
                Self.write(rows.map { ($0.network, $0.figures) }, model: model, to: &json)
                if let grouping {
                    let groups = Dictionary(grouping: rows, by: \.group).sortedByGroup()
                    json.key("groups")
                    json.array(groups) { json, group in
                        json.object { json in
                            AnalyticsController.writeGroup(group.group, grouping: grouping, to: &json)
                            Self.write(group.value.map { ($0.network, $0.figures) }, model: model, to: &json)
                        }
                    }
                }
            }
        }

        /// Totals, per network, and their media value (inside an open object).
        private static func write(_ rows: [(network: String?, figures: ReachFigures)], model: MediaValue?, to json: inout JSONWriter) {
            var networks: [String?: ReachFigures] = [:]
            for (network, figures) in rows { networks[network, default: ReachFigures()].add(figures) }
            var total = ReachFigures()
            for figures in networks.values { total.add(figures) }
            func value(_ network: String?, _ figures: ReachFigures) -> Double {
                guard let model, let network else { return 0 }
                return model.amount(network: network, shares: figures.shares, potentialReach: figures.potentialReach, clicks: figures.clicks)
            }
            json.field("shares", total.shares)
            json.field("posts", total.posts)
            json.field("potentialReach", total.potentialReach)
            json.field("engagement", total.clicks)
            json.key("mediaValue")
            if let model {
                json.object { json in
                    json.field("amount", MediaValue.rounded(networks.reduce(0) { $0 + value($1.key, $1.value) }), places: 2)
                    json.field("currency", model.currency)
                    json.field("model", model.model.rawValue)
                    json.key("rates")
                    json.value(.object(model.rates.mapValues { .number($0) }))
                }
            } else {
                json.null()
            }
            json.key("networks")
            json.array(networks.sorted { ($0.key ?? "") < ($1.key ?? "") }) { json, entry in
                json.object { json in
                    json.field("network", entry.key)
                    json.field("shares", entry.value.shares)
                    json.field("posts", entry.value.posts)
                    json.field("potentialReach", entry.value.potentialReach)
                    json.field("engagement", entry.value.clicks)
                    json.field("mediaValue", model == nil ? nil : MediaValue.rounded(value(entry.key, entry.value)), places: 2)
                }
            }
        }
    }
}
