/// Every word the console shows, in each language the pages speak.
struct ConsoleText: Sendable {
    var skip, console, overview, rules, signOut, signInTitle, signInHelp, adminKey, signIn, notAdminKey: String
    var draft, simulateOn, from, to, publishFrom, publishFromHelp, validate, simulate, publish: String
    var byAction, action, events, before, after, topTen, rank, member, movers, versions, version, effective, scoredActions: String
    var valid, published, inForce, simulationTitle, forbiddenTitle, forbidden, expiredForm: String

    static func of(_ language: PageLanguage) -> ConsoleText {
        switch language {
        case .en:
            ConsoleText(skip: "Skip to the content", console: "Console", overview: "Overview", rules: "Rules", signOut: "Sign out",
                        signInTitle: "Sign in to Rally's console", signInHelp: "Enter an admin key of your program. It is checked once; the browser keeps only a session.",
                        adminKey: "Admin key", signIn: "Sign in", notAdminKey: "This is not a working admin key of a program.",
                        draft: "Draft rules (JSON)", simulateOn: "Simulate on the events stored between", from: "From", to: "To",
                        publishFrom: "Publish from (optional)", publishFromHelp: "A date (from its start, in the program's time zone) or an RFC 3339 instant; empty: now.",
                        validate: "Validate", simulate: "Simulate", publish: "Publish",
                        byAction: "Points by action", action: "Action", events: "Events", before: "Now", after: "With the draft",
                        topTen: "Top ten", rank: "Rank", member: "Member", movers: "Biggest movers", versions: "Versions", version: "Version",
                        effective: "In force from", scoredActions: "Actions scored",
                        valid: "The draft is valid.", published: "Version %@ is published.", inForce: "In force: version %@ (%@ actions scored).",
                        simulationTitle: "The draft on %@ stored events", forbiddenTitle: "Not allowed",
                        forbidden: "You are signed in to another program, or the form has expired: sign in again.",
                        expiredForm: "The form has expired or did not come from this console: reload the page and try again.")
        case .fr:
            ConsoleText(skip: "Aller au contenu", console: "Console", overview: "Vue d’ensemble", rules: "Règles", signOut: "Se déconnecter",
                        signInTitle: "Connexion à la console Rally", signInHelp: "Saisissez une clé admin de votre programme. Elle est vérifiée une fois ; le navigateur ne garde qu’une session.",
                        adminKey: "Clé admin", signIn: "Se connecter", notAdminKey: "Ce n’est pas une clé admin valide d’un programme.",
                        draft: "Brouillon des règles (JSON)", simulateOn: "Simuler sur les événements enregistrés entre", from: "Du", to: "Au",
                        publishFrom: "Publier à partir du (facultatif)", publishFromHelp: "Une date (dès son début, dans le fuseau du programme) ou un instant RFC 3339 ; vide : maintenant.",
                        validate: "Valider", simulate: "Simuler", publish: "Publier",
                        byAction: "Points par action", action: "Action", events: "Événements", before: "Aujourd’hui", after: "Avec le brouillon",
                        topTen: "Les dix premiers", rank: "Rang", member: "Membre", movers: "Plus grands changements", versions: "Versions", version: "Version",
                        effective: "En vigueur depuis", scoredActions: "Actions comptées",
                        valid: "Le brouillon est valide.", published: "La version %@ est publiée.", inForce: "En vigueur : version %@ (%@ actions comptées).",
                        simulationTitle: "Le brouillon sur %@ événements enregistrés", forbiddenTitle: "Non autorisé",
                        forbidden: "Vous êtes connecté à un autre programme, ou le formulaire a expiré : reconnectez-vous.",
                        expiredForm: "Le formulaire a expiré ou ne vient pas de cette console : rechargez la page et réessayez.")
        }
    }
}

/// The words of the rules page's form view.
struct RulesFormText: Sendable {
    var formView, formViewHelp, jsonView, allActions: String
    var legends: [String: String]
    var labels: [String: String]

    func legend(_ group: String) -> String { legends[group] ?? group }
    func label(_ field: String) -> String { labels[field] ?? field }

    static func of(_ language: PageLanguage) -> RulesFormText {
        switch language {
        case .en:
            RulesFormText(formView: "The rules as a form",
                          formViewHelp: "Blank rows are left out; empty rows wait for additions. Sending this form also rewrites the JSON below.",
                          jsonView: "The rules as JSON", allActions: "All actions",
                          legends: ["actions": "Actions and their points", "caps": "Caps", "campaigns": "Campaigns", "levels": "Levels"],
                          labels: ["name": "Name", "points": "Points", "networks": "Networks (linkedin 1.5, x 1)", "oncePerContent": "Once per content",
                                   "action": "Action", "per": "Per", "maxCount": "Max count", "maxPoints": "Max points", "id": "Id",
                                   "from": "From (RFC 3339)", "to": "To (RFC 3339)", "tags": "Tags (a, b)", "actions": "Actions (a, b)",
                                   "multiplier": "Multiplier", "minPoints": "Min points"])
        case .fr:
            RulesFormText(formView: "Les règles en formulaire",
                          formViewHelp: "Les lignes vides sont ignorées ; des lignes vides attendent les ajouts. Envoyer ce formulaire réécrit aussi le JSON plus bas.",
                          jsonView: "Les règles en JSON", allActions: "Toutes les actions",
                          legends: ["actions": "Actions et leurs points", "caps": "Plafonds", "campaigns": "Campagnes", "levels": "Niveaux"],
                          labels: ["name": "Nom", "points": "Points", "networks": "Réseaux (linkedin 1.5, x 1)", "oncePerContent": "Une fois par contenu",
                                   "action": "Action", "per": "Par", "maxCount": "Nombre max.", "maxPoints": "Points max.", "id": "Identifiant",
                                   "from": "Du (RFC 3339)", "to": "Au (RFC 3339)", "tags": "Étiquettes (a, b)", "actions": "Actions (a, b)",
                                   "multiplier": "Multiplicateur", "minPoints": "Points min."])
        }
    }
}
