import Foundation

/// Every word the pages show, in each language they speak.
struct PageText: Sendable {
    var skip, anonymous, periods, filter, team, region, apply, rank, member, points, you, empty, toNext, leader: String
    var week, month, quarter, year, all, last30: String
    var unauthorizedTitle, unauthorized, notFoundTitle, notFound, badRequestTitle: String

    static func of(_ language: PageLanguage) -> PageText {
        language == .fr ? french : english
    }

    private static let english = make(.en), french = make(.fr)

    private static func make(_ language: PageLanguage) -> PageText {
        switch language {
        case .en:
            PageText(skip: "Skip to the ranking", anonymous: "Anonymous", periods: "Periods", filter: "Filter", team: "Team", region: "Region", apply: "Show",
                     rank: "Rank", member: "Member", points: "Points", you: "Your place", empty: "No points yet for this period.",
                     toNext: "%@ points behind #%@", leader: "You lead this board",
                     week: "This week", month: "This month", quarter: "This quarter", year: "This year", all: "All time", last30: "Last 30 days",
                     unauthorizedTitle: "This link cannot be used", unauthorized: "It has expired or been withdrawn, or it is not for this program. Ask for a new link where you found this one.",
                     notFoundTitle: "Nothing here", notFound: "There is no such program or member.", badRequestTitle: "This page cannot be shown")
        case .fr:
            PageText(skip: "Aller au classement", anonymous: "Anonyme", periods: "Périodes", filter: "Filtrer", team: "Équipe", region: "Région", apply: "Afficher",
                     rank: "Rang", member: "Membre", points: "Points", you: "Votre place", empty: "Pas encore de points pour cette période.",
                     toNext: "%@ points derrière la place n° %@", leader: "Vous êtes en tête",
                     week: "Cette semaine", month: "Ce mois-ci", quarter: "Ce trimestre", year: "Cette année", all: "Depuis le début", last30: "30 derniers jours",
                     unauthorizedTitle: "Ce lien ne peut pas être utilisé", unauthorized: "Il a expiré ou a été retiré, ou il ne concerne pas ce programme. Demandez un nouveau lien là où vous avez trouvé celui-ci.",
                     notFoundTitle: "Rien ici", notFound: "Ce programme ou ce membre n’existe pas.", badRequestTitle: "Cette page ne peut pas être affichée")
        }
    }
}
