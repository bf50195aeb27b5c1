/// The member, teams and rules pages' templates (in the pages' `page` frame).
enum ProfileTemplates {
    static let all = [("links", links), ("member", member), ("rules-page", rules), ("teams", teams)]

    /// The links between a viewer's pages, each carrying the token and language.
    static let links = """
        <nav aria-label="{{p.pages}}"><ul class="tabs">{{#links}}<li><a href="{{href}}"{{#current}} aria-current="page"{{/current}}>{{label}}</a></li>{{/links}}</ul></nav>
        """

    static let member = """
        {{<page}}{{$body}}
        {{>links}}
        <main id="content" data-member-id="{{memberId}}">
        <h1>{{name}}</h1>
        {{#team}}<p class="period">{{team}}</p>{{/team}}
        <table class="stats"><caption>{{p.points}}</caption><thead><tr><th scope="col"></th><th scope="col" class="num">{{p.points}}</th><th scope="col" class="num">{{p.rank}}</th></tr></thead>
        <tbody>{{#periods}}<tr data-period="{{key}}"><th scope="row">{{label}}</th><td class="num">{{points}}</td><td class="num">{{rank}}</td></tr>{{/periods}}</tbody></table>
        {{#level}}<section aria-labelledby="level"><h2 id="level">{{p.level}}: {{name}}</h2>
        {{#next}}<p><progress max="{{span}}" value="{{done}}" aria-label="{{toNext}}"></progress> {{toNext}}</p>{{/next}}{{^next}}<p>{{p.topLevel}}</p>{{/next}}</section>{{/level}}
        <section aria-labelledby="badges"><h2 id="badges">{{p.badges}}</h2>
        <h3>{{p.earned}}</h3>{{^earned}}<p>{{p.nothingYet}}</p>{{/earned}}<ul class="badges">{{#earned}}<li data-badge-id="{{badgeId}}">{{name}}{{#tier}} · {{tier}}{{/tier}} <span class="when">{{when}}</span></li>{{/earned}}</ul>
        <h3>{{p.toEarn}}</h3>{{^toEarn}}<p>{{p.nothingYet}}</p>{{/toEarn}}<ul class="badges">{{#toEarn}}<li data-badge-id="{{badgeId}}">{{name}}{{#tier}} · {{tier}}{{/tier}}: {{need}}</li>{{/toEarn}}</ul></section>
        {{#hasStreaks}}<section aria-labelledby="streaks"><h2 id="streaks">{{p.streaks}}</h2>
        <table><thead><tr><th scope="col"></th><th scope="col" class="num">{{p.current}}</th><th scope="col" class="num">{{p.best}}</th></tr></thead>
        <tbody>{{#streaks}}<tr><th scope="row">{{name}}</th><td class="num">{{current}}</td><td class="num">{{best}}</td></tr>{{/streaks}}</tbody></table></section>{{/hasStreaks}}
        {{#hasChallenges}}<section aria-labelledby="challenges"><h2 id="challenges">{{p.challenges}}</h2>
        <ul class="challenges">{{#challenges}}<li data-challenge-id="{{id}}"><strong>{{name}}</strong>
        <progress max="{{target}}" value="{{progress}}" aria-label="{{name}}: {{state}}"></progress> {{state}} · {{mine}}</li>{{/challenges}}</ul></section>{{/hasChallenges}}
        <section aria-labelledby="recent"><h2 id="recent">{{p.recent}}</h2>{{^ledger}}<p>{{p.nothingYet}}</p>{{/ledger}}
        {{#hasLedger}}<table class="ledger"><thead><tr><th scope="col">{{p.when}}</th><th scope="col">{{p.action}}</th><th scope="col" class="num">{{p.points}}</th><th scope="col">{{p.explanation}}</th></tr></thead>
        <tbody>{{#ledger}}<tr data-event-id="{{eventId}}"><td>{{when}}</td><td>{{action}}</td><td class="num">{{points}}</td><td>{{explanation}}</td></tr>{{/ledger}}</tbody></table>{{/hasLedger}}</section>
        </main>
        {{/body}}{{/page}}
        """

    static let rules = """
        {{<page}}{{$body}}
        {{>links}}
        <main id="content">
        <h1>{{p.howToEarn}}</h1>
        <table><caption>{{p.perAction}}</caption><thead><tr><th scope="col">{{p.action}}</th><th scope="col" class="num">{{p.points}}</th><th scope="col"></th></tr></thead>
        <tbody>{{#actions}}<tr data-action="{{action}}"><th scope="row">{{action}}</th><td class="num">{{points}}</td><td>{{notes}}</td></tr>{{/actions}}</tbody></table>
        {{#hasCaps}}<h2>{{p.caps}}</h2><ul>{{#caps}}<li>{{.}}</li>{{/caps}}</ul>{{/hasCaps}}
        {{#hasCampaigns}}<h2>{{p.campaigns}}</h2><ul>{{#campaigns}}<li>{{.}}</li>{{/campaigns}}</ul>{{/hasCampaigns}}
        {{#hasLevels}}<h2>{{p.levels}}</h2><ul>{{#levels}}<li>{{.}}</li>{{/levels}}</ul>{{/hasLevels}}
        {{#hasBadges}}<h2>{{p.badges}}</h2><ul>{{#badges}}<li>{{.}}</li>{{/badges}}</ul>{{/hasBadges}}
        </main>
        {{/body}}{{/page}}
        """

    static let teams = """
        {{<page}}{{$body}}
        {{>links}}
        <main id="content" data-refresh="{{liveURL}}">
        <h1>{{p.teams}}</h1><p class="period">{{periodLabel}}</p>
        <nav aria-label="{{t.periods}}"><ul class="tabs">{{#metrics}}<li><a href="{{href}}"{{#current}} aria-current="page"{{/current}}>{{label}}</a></li>{{/metrics}}</ul></nav>
        <table class="ranking"><caption>{{caption}}</caption><thead><tr><th scope="col">{{t.rank}}</th><th scope="col">{{t.team}}</th><th scope="col" class="num">{{t.points}}</th><th scope="col" class="num">{{p.members}}</th></tr></thead>
        <tbody>{{#rows}}<tr data-team="{{team}}" data-rank="{{rank}}" data-points="{{points}}"><td class="rank">{{rankText}}</td><th scope="row">{{team}}</th><td class="num">{{pointsText}}</td><td class="num">{{members}}</td></tr>{{/rows}}</tbody></table>
        <p class="empty"{{#hasRows}} hidden{{/hasRows}}>{{t.empty}}</p>
        </main>
        {{/body}}{{/page}}
        """
}
