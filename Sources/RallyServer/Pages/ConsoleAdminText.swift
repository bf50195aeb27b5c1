/// The words of the console's keys, members and audit pages, in each language the pages speak.
struct ConsoleAdminText: Sendable {
    var keys, members, audit, id, role, label, rateLimit, lastUsed, revoked, revoke, newKeyTitle, newKey, create, revokedNotice: String
    var find, search, found, name, team, region, export, eraseHelp, confirm, erase, erased, confirmMismatch, enrolled, visibility, points: String
    var filters, filtersHelp, action, actor, filter, when, target, change, beforeAfter, nothing, older, never, yes, no: String

    static func of(_ language: PageLanguage) -> ConsoleAdminText {
        switch language {
        case .en:
            ConsoleAdminText(keys: "Keys", members: "Members", audit: "Audit log", id: "Id", role: "Role", label: "Label", rateLimit: "Requests a second",
                             lastUsed: "Last used", revoked: "Revoked", revoke: "Revoke", newKeyTitle: "A new key",
                             newKey: "The new key, shown this once: copy it now.", create: "Create", revokedNotice: "The key %@ is revoked.",
                             find: "Id or name starts with", search: "Search", found: "Members found", name: "Name", team: "Team", region: "Region",
                             export: "Export everything held on this member (JSON)",
                             eraseHelp: "Erasing removes the person: name and audience gone, off every board, survey answers made anonymous. Their points stay in every total under a pseudonym. It cannot be undone.",
                             confirm: "Type the member's id to confirm", erase: "Erase", erased: "The member %@ is erased.",
                             confirmMismatch: "Type the member's id exactly to confirm.", enrolled: "Enrolled", visibility: "Visibility", points: "Points of all time",
                             filters: "Filters", filtersHelp: "Both filters hold together: an action starting with the text, and that actor.",
                             action: "Action", actor: "Actor", filter: "Filter", when: "When", target: "Target", change: "Change",
                             beforeAfter: "Before and after", nothing: "No change matches.", older: "Older changes", never: "never", yes: "yes", no: "no")
        case .fr:
            ConsoleAdminText(keys: "Clés", members: "Membres", audit: "Journal d’audit", id: "Identifiant", role: "Rôle", label: "Libellé",
                             rateLimit: "Requêtes par seconde", lastUsed: "Dernier usage", revoked: "Révoquée", revoke: "Révoquer", newKeyTitle: "Une nouvelle clé",
                             newKey: "La nouvelle clé, montrée cette seule fois : copiez-la maintenant.", create: "Créer", revokedNotice: "La clé %@ est révoquée.",
                             find: "Identifiant ou nom commençant par", search: "Chercher", found: "Membres trouvés", name: "Nom", team: "Équipe", region: "Région",
                             export: "Exporter tout ce qui est gardé sur ce membre (JSON)",
                             eraseHelp: "Effacer retire la personne : nom et audience supprimés, hors de tout classement, réponses aux enquêtes anonymisées. Ses points restent dans chaque total sous un pseudonyme. C’est définitif.",
                             confirm: "Saisissez l’identifiant du membre pour confirmer", erase: "Effacer", erased: "Le membre %@ est effacé.",
                             confirmMismatch: "Saisissez exactement l’identifiant du membre pour confirmer.", enrolled: "Inscrit", visibility: "Visibilité",
                             points: "Points depuis le début",
                             filters: "Filtres", filtersHelp: "Les deux filtres s’appliquent ensemble : une action commençant par le texte, et cet auteur.",
                             action: "Action", actor: "Auteur", filter: "Filtrer", when: "Quand", target: "Cible", change: "Changement",
                             beforeAfter: "Avant et après", nothing: "Aucun changement ne correspond.", older: "Changements plus anciens", never: "jamais",
                             yes: "oui", no: "non")
        }
    }
}
