import Foundation
import Hummingbird
import RallyCore
import RallyLeaderboards
import RallyLedger
import RallyStorage

/// A member's page, the teams' board and how to earn points: for any holder of the program's viewer token (a member who
/// is not public is shown to themself alone).
extension PageController {
    /// The links between a viewer's pages, the current one marked: the program's pages, then their own.
    func links(_ viewer: Viewer, token: String, current: String) -> [BoardModel.Tab] {
        programLinks(viewer, token: token, current: current) + [myPageLink(viewer, token: token, current: current)].compactMap { $0 }
    }

    /// The links to the program's pages: the leaderboard, the teams, how to earn points.
    func programLinks(_ viewer: Viewer, token: String, current: String) -> [BoardModel.Tab] {
        let p = ProfileText.of(viewer.language)
        return [("", p.leaderboard), ("teams", p.teams), ("rules", p.howToEarn)].map { link(viewer, path: $0, label: $1, token: token, current: current) }
    }

    /// The link to the viewer's own page; nil for a token without a member.
    func myPageLink(_ viewer: Viewer, token: String, current: String) -> BoardModel.Tab? {
        viewer.token.memberId.map { link(viewer, path: "members/\($0)", label: ProfileText.of(viewer.language).myPage, token: token, current: current) }
    }

    private func link(_ viewer: Viewer, path: String, label: String, token: String, current: String) -> BoardModel.Tab {
        let query = "?" + Self.encode([("token", token), ("lang", viewer.language.rawValue)])
        return BoardModel.Tab(href: "/p/\(viewer.program.id)" + (path.isEmpty ? "" : "/\(path)") + query, label: label, current: path == current)
    }

    func frame(_ viewer: Viewer, token: String, current: String, title: String) -> [String: Any] {
        ["lang": viewer.language.rawValue, "kind": "profile", "title": "\(title) · \(viewer.program.name)", "t": viewer.text,
         "p": ProfileText.of(viewer.language), "links": links(viewer, token: token, current: current)]
    }

    func memberPage(_ request: Request, _ context: RallyRequestContext, viewer: Viewer, token: String) async throws -> [String: Any] {
        let memberId = try context.parameters.require("memberId")
        let program = viewer.program, locale = viewer.language.locale, p = ProfileText.of(viewer.language)
        guard Identifier.isValid(memberId) else { throw RallyError(.notFound, "no such member") }
        let member: Member
        do {
            member = try await members.member(program, memberId: memberId)
        } catch let error as RallyError where error.code == .unknownMember || error.code == .notFound {
            throw RallyError(.notFound, "no such member")
        }
        // Someone who is not public is nobody's business but their own.
        guard member.profile.visibility == .public || viewer.token.memberId == memberId else { throw RallyError(.notFound, "no such member") }
        func number(_ value: Int64) -> String { value.formatted(.number.locale(locale)) }
        func day(_ date: Date) -> String {
            date.formatted(Date.FormatStyle(date: .abbreviated, time: .shortened, locale: locale, timeZone: program.timeZone))
        }
        var model = frame(viewer, token: token, current: viewer.token.memberId == memberId ? "members/\(memberId)" : "-", title: member.profile.displayName ?? memberId)
        model["memberId"] = memberId
        model["name"] = member.profile.displayName ?? memberId
        model["team"] = member.profile.team ?? ""
        // The quarter's and the year's, which a member's record does not hold.
        let now = Date(), text = viewer.text
        let longer = try await leaderboards.standings(program: program, memberId: memberId,
                                                      periods: [.quarter, .year].map { program.calendar.period($0, containing: now) },
                                                      ranked: member.profile.isRanked)
        model["periods"] = [("week", p.week, member.points.week, member.ranks.week), ("month", p.month, member.points.month, member.ranks.month),
                            ("quarter", text.quarter, longer[0].points, longer[0].rank), ("year", text.year, longer[1].points, longer[1].rank),
                            ("all", p.allTime, member.points.lifetime, member.ranks.all)].map { key, label, points, rank -> [String: Any] in
            ["key": key, "label": label, "points": number(points), "rank": rank.map { "#" + $0.formatted(.number.locale(locale)) } ?? "—"]
        }
        if let progress = program.rules.inForce(at: Date()).level(forLifetimePoints: member.points.lifetime) {
            var level: [String: Any] = ["name": progress.level.name]
            if let next = progress.next, let missing = progress.pointsToNext {
                level["next"] = ["span": next.minPoints - progress.level.minPoints, "done": next.minPoints - progress.level.minPoints - missing,
                                 "toNext": String(format: p.toNext, number(missing), next.name)] as [String: Any]
            }
            model["level"] = level
        }
        model["earned"] = member.badges.map { badge -> [String: Any] in
            var earned: [String: Any] = ["badgeId": badge.badgeId, "name": badge.name, "when": day(badge.awardedAt)]
            earned["tier"] = badge.tier
            return earned
        }
        model["toEarn"] = program.badges.compactMap { badge -> [String: Any]? in
            let held = Set(member.badges.filter { $0.badgeId == badge.id }.map { $0.tier ?? "" })
            guard let tier = badge.tiers.first(where: { !held.contains($0.id ?? "") }) else { return nil }
            if case .rank = badge.criteria, !held.isEmpty { return nil }
            var next: [String: Any] = ["badgeId": badge.id, "name": badge.name, "need": p.need(badge.criteria, threshold: tier.threshold, locale: locale)]
            next["tier"] = tier.id
            return next
        }
        let streaks = member.streaks.map { entry -> [String: Any] in
            ["name": program.badgeName(entry.badgeId), "current": entry.streak.current.formatted(.number.locale(locale)),
             "best": entry.streak.best.formatted(.number.locale(locale))]
        }
        model["streaks"] = streaks
        model["hasStreaks"] = !streaks.isEmpty
        let under = try await challenges.underWay(program: program.id, team: member.profile.team, region: member.profile.region)
        model["challenges"] = under.map { view -> [String: Any] in
            ["id": view.challenge.id, "name": view.challenge.name, "target": view.challenge.target, "progress": min(view.standing.progress, view.challenge.target),
             "state": String(format: view.reachedAt == nil ? p.challengeProgress : p.challengeReached, number(view.standing.progress), number(view.challenge.target)),
             "mine": String(format: p.challengeMine, number(view.values[memberId] ?? 0))]
        }
        model["hasChallenges"] = !under.isEmpty
        let (entries, _) = try await members.ledger(program: program.id, memberId: memberId, limit: 10, before: nil)
        let campaigns = Dictionary(program.rules.versions.flatMap(\.campaigns).map { ($0.id, $0.name) }, uniquingKeysWith: { $1 })
        let ledger = entries.map { entry -> [String: Any] in
            ["eventId": entry.eventId, "when": day(entry.occurredAt), "action": entry.action, "points": entry.points.formatted(.number.locale(locale)),
             "explanation": entry.breakdown.isEmpty ? "" : p.explain(entry.breakdown, total: entry.points, campaignName: { campaigns[$0] ?? $0 }, locale: locale)]
        }
        model["ledger"] = ledger
        model["hasLedger"] = !ledger.isEmpty
        return model
    }

    func rulesPage(viewer: Viewer, token: String) -> [String: Any] {
        let program = viewer.program, locale = viewer.language.locale, p = ProfileText.of(viewer.language), now = Date()
        let rules = program.rules.inForce(at: now)
        func number(_ value: Int64) -> String { value.formatted(.number.locale(locale)) }
        func day(_ date: Date) -> String { date.formatted(Date.FormatStyle(date: .abbreviated, time: .omitted, locale: locale, timeZone: program.timeZone)) }
        var model = frame(viewer, token: token, current: "rules", title: p.howToEarn)
        model["actions"] = rules.actions.keys.sorted().map { action -> [String: Any] in
            let rule = rules.actions[action]!
            var notes = rule.networks.keys.sorted().map { String(format: p.network, $0, rule.networks[$0]!.formatted(.number.locale(locale))) }
            if rule.oncePerContent { notes.append(p.oncePerContent) }
            return ["action": action, "points": number(Int64(rule.points)), "notes": notes.joined(separator: "; ")]
        }
        let caps = rules.caps.flatMap { cap -> [String] in
            let window = p.periods[cap.per == .day ? .day : .week]?.split(separator: " ").last.map(String.init) ?? cap.per.rawValue
            var lines: [String] = []
            if let count = cap.maxCount { lines.append(String(format: p.capCount, number(Int64(count)), cap.action ?? "*", window)) }
            if let points = cap.maxPoints { lines.append(String(format: p.capPoints, number(Int64(points)), window, cap.action ?? "*")) }
            return lines
        }
        let campaigns = rules.campaigns.filter { $0.to > now }.map {
            String(format: p.campaign, $0.name, $0.multiplier.formatted(.number.locale(locale)), day($0.from), day($0.to.addingTimeInterval(-1)))
        }
        let levels = rules.levels.map { "\($0.name): " + String(format: p.from, number($0.minPoints)) }
        let badges = program.badges.map { badge in
            "\(badge.name): " + (badge.tiers.first.map { p.need(badge.criteria, threshold: $0.threshold, locale: locale) } ?? "")
        }
        for (key, list) in [("caps", caps), ("campaigns", campaigns), ("levels", levels), ("badges", badges)] {
            model[key] = list
            model["has" + key.prefix(1).uppercased() + key.dropFirst()] = !list.isEmpty
        }
        return model
    }

    func teamsPage(_ request: Request, viewer: Viewer, token: String) async throws -> [String: Any] {
        let program = viewer.program, locale = viewer.language.locale, p = ProfileText.of(viewer.language), query = Query(request)
        let span = try LeaderboardController.board(query, program: program)
        let region = try LeaderboardController.scope(query, program: program, teamAllowed: false).region
        let metric = TeamMetric(rawValue: query.value("metric") ?? "total") ?? .total
        let page = try await leaderboards.teamPage(program: program, period: span.period, region: region, metric: metric, offset: 0, limit: 50)
        let tab = Self.tabs(viewer.text).first { tab in tab.options.allSatisfy { Self.tabOptions(query)[$0.0] == $0.1 } }?.label
        let label = Self.periodLabel(span, current: tab, language: viewer.language, timeZone: program.timeZone)
        var model = frame(viewer, token: token, current: "teams", title: p.teams)
        let kept = [("token", token), ("lang", viewer.language.rawValue)] + WatchedBoard(program: program.id, query: query).options.sorted { $0.key < $1.key }
            .map { ($0.key, $0.value) }
        model["metrics"] = [(TeamMetric.total, p.total), (.perMember, p.perMember)].map { value, text -> [String: Any] in
            ["href": "/p/\(program.id)/teams?" + Self.encode(kept + [("metric", value.rawValue)]), "label": text, "current": value == metric]
        }
        model["periodLabel"] = label
        model["caption"] = label
        // The program's board of the same days: any change of points in them moves its stream, and the script then reads
        // this page again.
        model["liveURL"] = "/p/\(program.id)/live?" + Self.encode([("token", token)] + WatchedBoard(program: program.id, query: query).options
            .filter { $0.key != "team" && $0.key != "region" }.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        model["hasRows"] = !page.entries.isEmpty
        model["live"] = true
        model["rows"] = page.entries.map { entry -> [String: Any] in
            let points = metric == .total ? entry.points.formatted(.number.locale(locale))
                : (Double(entry.score) / 100).formatted(.number.precision(.fractionLength(0...2)).locale(locale))
            return ["team": entry.team, "rank": entry.rank, "points": metric == .total ? String(entry.points) : TeamRanking.decimal(hundredths: entry.score),
                    "rankText": entry.rank.formatted(.number.locale(locale)), "pointsText": points, "members": entry.members.formatted(.number.locale(locale))]
        }
        return model
    }
}
