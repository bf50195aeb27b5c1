import Foundation
import RallyCore

/// The words of the member, rules and teams pages, in each language the pages speak.
struct ProfileText: Sendable {
    var week, month, allTime, points, rank, level, toNext, topLevel, badges, earned, toEarn, streaks, current, best, recent, when, action: String
    var explanation, howToEarn, leaderboard, teams, perAction, network, caps, campaigns, levels, from, members, total, perMember: String
    var challenges, challengeProgress, challengeReached, challengeMine: String
    var firstAction, actionCount, pointsIn, streak, rankIn, challenge, capCount, capPoints, campaign, oncePerContent, capped, alreadyEarned: String
    var periods: [PeriodKind: String]
    /// A board of each kind of period, as an adjective: weekly, monthly…
    var boards: [PeriodKind: String]
    var units: [StreakUnit: String]
    var scopes: [RankScope: String]
    var nothingYet: String
    var pages = ""
    var campaignWord = ""
    var myPage = ""

    static func of(_ language: PageLanguage) -> ProfileText {
        language == .fr ? french : english
    }

    private static let english = make(.en), french = make(.fr)

    private static func make(_ language: PageLanguage) -> ProfileText {
        switch language {
        case .en:
            ProfileText(week: "This week", month: "This month", allTime: "All time", points: "Points", rank: "Rank", level: "Level",
                        toNext: "%@ points to %@", topLevel: "The top level", badges: "Badges", earned: "Earned", toEarn: "Still to earn",
                        streaks: "Streaks", current: "Current", best: "Best", recent: "Recent points", when: "When", action: "Action",
                        explanation: "How", howToEarn: "How to earn points", leaderboard: "Leaderboard", teams: "Teams",
                        perAction: "Points per action", network: "On %@: × %@", caps: "Limits", campaigns: "Campaigns", levels: "Levels",
                        from: "from %@ points", members: "Members", total: "Total", perMember: "Per member",
                        challenges: "Challenges under way", challengeProgress: "%@ of %@", challengeReached: "reached: %@ of %@",
                        challengeMine: "yours: %@",
                        firstAction: "Do a first “%@”", actionCount: "Reach %@ × “%@” %@", pointsIn: "Earn %@ points %@",
                        streak: "Be active %@ %@ in a row", rankIn: "Finish in the top %@ of a %@ board (%@)", challenge: "Help reach a team challenge",
                        capCount: "At most %@ “%@” a %@ earn points", capPoints: "At most %@ points a %@ from “%@”",
                        campaign: "%@: × %@ from %@ to %@", oncePerContent: "once per content", capped: "limit %@", alreadyEarned: "already earned on this content",
                        periods: [.day: "in one day", .week: "in one week", .month: "in one month", .quarter: "in one quarter", .year: "in one year", .all: "in total"],
                        boards: [.day: "daily", .week: "weekly", .month: "monthly", .quarter: "quarterly", .year: "yearly", .all: "all-time"],
                        units: [.day: "days", .week: "weeks"], scopes: [.program: "whole program", .team: "your team", .region: "your region"],
                        nothingYet: "Nothing yet.", pages: "Program pages", campaignWord: "campaign", myPage: "My page")
        case .fr:
            ProfileText(week: "Cette semaine", month: "Ce mois-ci", allTime: "Depuis le début", points: "Points", rank: "Rang", level: "Niveau",
                        toNext: "%@ points avant %@", topLevel: "Le plus haut niveau", badges: "Badges", earned: "Obtenus", toEarn: "À obtenir",
                        streaks: "Séries", current: "En cours", best: "Record", recent: "Points récents", when: "Quand", action: "Action",
                        explanation: "Détail", howToEarn: "Comment gagner des points", leaderboard: "Classement", teams: "Équipes",
                        perAction: "Points par action", network: "Sur %@ : × %@", caps: "Limites", campaigns: "Campagnes", levels: "Niveaux",
                        from: "dès %@ points", members: "Membres", total: "Total", perMember: "Par membre",
                        challenges: "Défis en cours", challengeProgress: "%@ sur %@", challengeReached: "relevé : %@ sur %@",
                        challengeMine: "votre part : %@",
                        firstAction: "Faire un premier « %@ »", actionCount: "Atteindre %@ × « %@ » %@", pointsIn: "Gagner %@ points %@",
                        streak: "Être actif %@ %@ d’affilée", rankIn: "Finir parmi les %@ premiers d’un classement %@ (%@)", challenge: "Contribuer à relever un défi collectif",
                        capCount: "Au plus %@ « %@ » par %@ rapportent des points", capPoints: "Au plus %@ points par %@ pour « %@ »",
                        campaign: "%@ : × %@ du %@ au %@", oncePerContent: "une fois par contenu", capped: "limite %@", alreadyEarned: "déjà gagné sur ce contenu",
                        periods: [.day: "en un jour", .week: "en une semaine", .month: "en un mois", .quarter: "en un trimestre", .year: "en un an", .all: "au total"],
                        boards: [.day: "quotidien", .week: "hebdomadaire", .month: "mensuel", .quarter: "trimestriel", .year: "annuel", .all: "général"],
                        units: [.day: "jours", .week: "semaines"], scopes: [.program: "du programme", .team: "de votre équipe", .region: "de votre région"],
                        nothingYet: "Rien pour l’instant.", pages: "Pages du programme", campaignWord: "campagne", myPage: "Ma page")
        }
    }

    /// What earns a badge (its first tier not yet held: `threshold`), in words.
    func need(_ criteria: BadgeCriteria, threshold: Int64, locale: Locale) -> String {
        let number = threshold.formatted(.number.locale(locale))
        switch criteria {
        case let .firstAction(action): return String(format: firstAction, action)
        case let .actionCount(action, period): return String(format: actionCount, number, action, periods[period] ?? "")
        case let .points(period): return String(format: pointsIn, number, periods[period] ?? "")
        case let .streak(unit, _): return String(format: streak, number, units[unit] ?? "")
        case let .rank(period, scope):
            return String(format: rankIn, number, boards[period] ?? "", scopes[scope] ?? "")
        case .challenge: return challenge
        }
    }

    /// A ledger entry's breakdown in words: `share 10 × 1.5 (linkedin), campaign Hiring × 2 = 30`.
    func explain(_ lines: [AwardLine], total: Int, campaignName: (String) -> String, locale: Locale) -> String {
        func number(_ value: Double?) -> String { (value ?? 1).formatted(.number.locale(locale)) }
        var text = ""
        for line in lines {
            let path = line.rule.split(separator: ".").map(String.init)
            if line.rule.hasPrefix("campaigns."), path.count == 2 {
                text += ", \(campaignWord) \(campaignName(path[1])) × \(number(line.factor))"
            } else if line.rule.hasPrefix("caps[") {
                text += ", " + String(format: capped, line.points.formatted(.number.locale(locale)))
            } else if path.count == 4, path[2] == "networks" {
                text += " × \(number(line.factor)) (\(path[3]))"
            } else if path.count == 3, path[2] == "oncePerContent" {
                text += ", " + alreadyEarned
            } else {
                text += (text.isEmpty ? "" : ", ") + "\(path.dropFirst().joined(separator: ".")) \(line.points.formatted(.number.locale(locale)))"
            }
        }
        return text + " = " + total.formatted(.number.locale(locale))
    }
}
