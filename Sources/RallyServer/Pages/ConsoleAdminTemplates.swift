/// The console's pages over keys, members and the audit log (in the `console` frame).
enum ConsoleAdminTemplates {
    static let all = [("console-keys", keys), ("console-members", members), ("console-audit", audit), ("console-analytics", analytics),
                      ("console-webhooks", webhooks), ("console-rewards", ConsoleController.rewardsTemplate), ("console-flags", ConsoleController.flagsTemplate),
                      ("console-challenges", ConsoleController.challengesTemplate),
                      ("console-badges", badges), ("field", ConsoleField.template)]

    static let badges = """
        {{<console}}{{$content}}
        <h1>{{b.badges}}</h1>
        {{#notice}}<p class="notice" role="status">{{notice}}</p>{{/notice}}
        {{#reach}}<p class="notice" role="status" data-badge-reach>{{reach}}</p>{{/reach}}
        {{^hasBadges}}<p>{{b.none}}</p>{{/hasBadges}}
        {{#hasBadges}}<table><caption>{{b.badges}}</caption><thead><tr><th scope="col">{{b.id}}</th><th scope="col">{{b.name}}</th><th scope="col">{{b.earns}}</th>
        <th scope="col" class="num">{{b.holders}}</th><th scope="col"><span class="visually-hidden">{{b.edit}}</span></th></tr></thead>
        <tbody>{{#badges}}<tr data-badge-id="{{id}}"><td><code>{{id}}</code></td><th scope="row">{{name}}</th><td>{{earns}}</td><td class="num">{{holders}}</td>
        <td><a href="{{edit}}" aria-label="{{b.edit}} {{id}}">{{b.edit}}</a>
        <form method="post" action="/console/{{programId}}/badges" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="badgeId" value="{{id}}">
        <button type="submit" name="action" value="delete" aria-label="{{b.delete}} {{id}}">{{b.delete}}</button></form></td></tr>{{/badges}}</tbody></table>{{/hasBadges}}
        <h2 id="define">{{b.define}}</h2>
        {{#hasProblems}}<div role="alert"><ul class="problems">{{#problems}}<li data-field="{{field}}"><code>{{field}}</code> {{problem}}</li>{{/problems}}</ul></div>{{/hasProblems}}
        <form method="post" action="/console/{{programId}}/badges" class="fields" novalidate>
        <input type="hidden" name="csrf" value="{{csrf}}">
        {{#fields}}{{>field}}{{/fields}}
        <p class="actions"><button type="submit" name="action" value="preview">{{b.preview}}</button>
        <button type="submit" name="action" value="save">{{b.save}}</button></p>
        </form>
        {{/content}}{{/console}}
        """

    static let webhooks = """
        {{<console}}{{$content}}
        <h1>{{w.webhooks}}</h1>
        {{#notice}}<p class="notice" role="status">{{notice}}</p>{{/notice}}
        {{^webhooks}}<p>{{w.none}}</p>{{/webhooks}}
        {{#webhooks}}<section class="webhook" data-webhook-id="{{id}}" aria-labelledby="webhook-{{id}}"><h2 id="webhook-{{id}}">{{id}}</h2>
        <p><code>{{url}}</code> · {{events}}</p>
        <form method="post" action="/console/{{programId}}/webhooks" class="fields"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="webhookId" value="{{id}}">
        <button type="submit" name="action" value="test">{{w.test}}</button> <button type="submit" name="action" value="delete">{{w.delete}}</button></form>
        {{#hasDeliveries}}<table><caption>{{w.deliveries}}</caption><thead><tr><th scope="col">{{w.when}}</th><th scope="col">{{w.type}}</th><th scope="col">{{w.state}}</th>
        <th scope="col" class="num">{{w.attempts}}</th><th scope="col">{{w.last}}</th></tr></thead>
        <tbody>{{#deliveries}}<tr data-delivery-id="{{id}}" data-state="{{state}}"><td>{{#when}}<time datetime="{{stamp}}">{{text}}</time>{{/when}}</td><td>{{type}}</td><td>{{state}}</td><td class="num">{{attempts}}</td><td>{{last}}</td></tr>{{/deliveries}}</tbody></table>{{/hasDeliveries}}
        </section>{{/webhooks}}
        <h2>{{w.define}}</h2>
        {{#hasProblems}}<div role="alert"><ul class="problems">{{#problems}}<li data-field="{{field}}"><code>{{field}}</code> {{problem}}</li>{{/problems}}</ul></div>{{/hasProblems}}
        <form method="post" action="/console/{{programId}}/webhooks" class="fields">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label>{{w.id}} <input type="text" name="webhookId" value="{{draftId}}" required maxlength="128"></label>
        <label>{{w.url}} <input type="url" name="url" value="{{draftURL}}" required maxlength="2048"></label>
        <fieldset><legend>{{w.events}}</legend>{{#types}}<label><input type="checkbox" name="events" value="{{value}}"{{#checked}} checked{{/checked}}> {{value}}</label> {{/types}}</fieldset>
        <label>{{w.secret}} <input type="password" name="secret" autocomplete="new-password" minlength="16" maxlength="256" aria-describedby="secret-help" required></label>
        <p id="secret-help" class="help">{{w.secretHelp}}</p>
        <button type="submit" name="action" value="save">{{w.save}}</button>
        </form>
        {{/content}}{{/console}}
        """

    static let analytics = """
        {{<console}}{{$content}}
        <h1>{{a.analytics}}</h1>
        <form method="get" action="/console/{{programId}}/analytics" class="fields">
        <label>{{t.from}} <input type="date" name="from" value="{{from}}"></label>
        <label>{{t.to}} <input type="date" name="to" value="{{to}}"></label>
        <label>{{a.granularity}} <select name="granularity">{{#granularities}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/granularities}}</select></label>
        <label>{{a.groupBy}} <select name="groupBy">{{#groupings}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/groupings}}</select></label>
        <button type="submit">{{a.show}}</button></form>
        <h2>{{a.participation}}</h2>
        <figure>{{{chart}}}</figure>
        <p><a href="{{csv}}" download>{{a.download}}</a></p>
        <table data-table="participation"><caption>{{a.participation}}</caption><thead><tr><th scope="col">{{a.period}}</th><th scope="col">{{a.group}}</th>
        <th scope="col" class="num">{{a.enrolled}}</th><th scope="col" class="num">{{a.active}}</th><th scope="col" class="num">{{a.rate}}</th></tr></thead>
        <tbody>{{#rows}}<tr><th scope="row">{{period}}</th><td>{{group}}</td><td class="num">{{enrolled}}</td><td class="num">{{active}}</td><td class="num">{{rate}}</td></tr>{{/rows}}</tbody></table>
        <h2>{{a.satisfaction}}</h2>
        <p class="help">{{a.satisfactionHelp}}</p>
        <figure>{{{satisfactionChart}}}</figure>
        <p><a href="{{satisfactionCSV}}" download>{{a.download}}</a></p>
        <table data-table="satisfaction"><caption>{{a.satisfaction}}</caption><thead><tr><th scope="col">{{a.group}}</th><th scope="col" class="num">{{a.ambassadors}}</th><th scope="col" class="num">{{a.others}}</th><th scope="col" class="num">{{a.responses}}</th></tr></thead>
        <tbody>{{#satisfaction}}<tr><th scope="row">{{group}}</th><td class="num">{{ambassadors}}</td><td class="num">{{others}}</td><td class="num">{{responses}}</td></tr>{{/satisfaction}}</tbody></table>
        <h2>{{a.reach}}</h2>
        <p class="help">{{a.reachHelp}}</p>
        <figure>{{{reachChart}}}</figure>
        <p><a href="{{reachCSV}}" download>{{a.download}}</a></p>
        <table data-table="reach"><caption>{{a.reach}}</caption><thead><tr><th scope="col">{{a.group}}</th><th scope="col">{{a.network}}</th><th scope="col" class="num">{{a.shares}}</th>
        <th scope="col" class="num">{{a.posts}}</th><th scope="col" class="num">{{a.clicks}}</th><th scope="col" class="num">{{a.potentialReach}}</th><th scope="col" class="num">{{a.mediaValue}} ({{reachCurrency}})</th></tr></thead>
        <tbody>{{#reach}}<tr><th scope="row">{{group}}</th><td>{{network}}</td><td class="num">{{shares}}</td><td class="num">{{posts}}</td><td class="num">{{clicks}}</td><td class="num">{{potentialReach}}</td><td class="num">{{value}}</td></tr>{{/reach}}</tbody></table>
        {{/content}}{{/console}}
        """

    static let keys = """
        {{<console}}{{$content}}
        <h1>{{c.keys}}</h1>
        {{#notice}}<p class="notice" role="status">{{notice}}</p>{{/notice}}
        {{#secret}}<p class="notice" role="status">{{c.newKey}} <output data-new-key>{{secret}}</output></p>{{/secret}}
        {{#hasProblems}}<div role="alert"><ul class="problems">{{#problems}}<li data-field="{{field}}"><code>{{field}}</code> {{problem}}</li>{{/problems}}</ul></div>{{/hasProblems}}
        <table><caption>{{c.keys}}</caption><thead><tr><th scope="col">{{c.id}}</th><th scope="col">{{c.role}}</th><th scope="col">{{c.label}}</th>
        <th scope="col" class="num">{{c.rateLimit}}</th><th scope="col">{{c.lastUsed}}</th><th scope="col">{{c.revoked}}</th><th scope="col"><span class="visually-hidden">{{c.revoke}}</span></th></tr></thead>
        <tbody>{{#keys}}<tr data-key-id="{{id}}"><td><code>{{id}}</code></td><td>{{role}}</td><td>{{label}}</td><td class="num">{{rateLimit}}</td><td>{{#lastUsed}}<time datetime="{{stamp}}">{{text}}</time>{{/lastUsed}}{{^lastUsed}}{{c.never}}{{/lastUsed}}</td><td>{{#revoked}}<time datetime="{{stamp}}">{{text}}</time>{{/revoked}}</td>
        <td>{{#live}}<form method="post" action="/console/{{programId}}/keys"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="keyId" value="{{id}}">
        <button type="submit" name="action" value="revoke" aria-label="{{c.revoke}} {{id}}">{{c.revoke}}</button></form>{{/live}}</td></tr>{{/keys}}</tbody></table>
        <h2>{{c.newKeyTitle}}</h2>
        <form method="post" action="/console/{{programId}}/keys" class="fields">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label>{{c.role}} <select name="role"><option value="read">read</option><option value="ingest">ingest</option><option value="admin">admin</option></select></label>
        <label>{{c.label}} <input type="text" name="label" maxlength="200" data-field="label"></label>
        <label>{{c.rateLimit}} <input type="number" name="rateLimit" min="1" data-field="rateLimit"></label>
        <button type="submit" name="action" value="create">{{c.create}}</button>
        </form>
        {{/content}}{{/console}}
        """

    static let members = """
        {{<console}}{{$content}}
        <h1>{{c.members}}</h1>
        {{#notice}}<p class="notice" role="status">{{notice}}</p>{{/notice}}
        <form method="get" action="/console/{{programId}}/members" class="fields" role="search">
        <label>{{c.find}} <input type="search" name="q" value="{{q}}" maxlength="128"></label> <button type="submit">{{c.search}}</button>
        </form>
        {{#searched}}<table><caption>{{c.found}}</caption><thead><tr><th scope="col">{{c.id}}</th><th scope="col">{{c.name}}</th><th scope="col">{{c.team}}</th><th scope="col">{{c.region}}</th></tr></thead>
        <tbody>{{#found}}<tr data-result="{{id}}"><td><a href="/console/{{programId}}/members?member={{id}}">{{id}}</a></td><td>{{name}}</td><td>{{team}}</td><td>{{region}}</td></tr>{{/found}}</tbody></table>{{/searched}}
        {{#member}}<section aria-labelledby="member-title" data-member="{{id}}"><h2 id="member-title">{{name}}</h2>
        <dl class="facts">{{#facts}}<dt>{{label}}</dt><dd>{{value}}</dd>{{/facts}}</dl>
        <p><a href="/console/{{programId}}/members/export?member={{id}}" download>{{c.export}}</a></p>
        <form method="post" action="/console/{{programId}}/members" class="fields danger">
        <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="member" value="{{id}}">
        <p>{{c.eraseHelp}}</p>
        <label>{{c.confirm}} <input type="text" name="confirm" autocomplete="off" data-field="confirm"></label>
        {{#confirmProblem}}<p class="error" role="alert" data-field="confirm">{{confirmProblem}}</p>{{/confirmProblem}}
        <button type="submit" name="action" value="erase">{{c.erase}}</button></form></section>{{/member}}
        {{/content}}{{/console}}
        """

    static let audit = """
        {{<console}}{{$content}}
        <h1>{{c.audit}}</h1>
        <form method="get" action="/console/{{programId}}/audit" class="fields" aria-label="{{c.filters}}">
        <label>{{c.action}} <input type="text" name="action" value="{{action}}" placeholder="rules."></label>
        <label>{{c.actor}} <input type="text" name="actor" value="{{actor}}" placeholder="key_…"></label>
        <button type="submit">{{c.filter}}</button></form>
        <p class="help">{{c.filtersHelp}}</p>
        <table><caption>{{c.audit}}</caption><thead><tr><th scope="col">{{c.when}}</th><th scope="col">{{c.actor}}</th><th scope="col">{{c.action}}</th><th scope="col">{{c.target}}</th><th scope="col">{{c.change}}</th></tr></thead>
        <tbody>{{#entries}}<tr data-audit-id="{{id}}" data-action="{{action}}"><td>{{#at}}<time datetime="{{stamp}}">{{text}}</time>{{/at}}</td><td><code>{{actor}}</code></td><td>{{action}}</td><td>{{target}}</td>
        <td><details><summary>{{c.beforeAfter}}</summary><pre>{{before}}</pre><pre>{{after}}</pre></details></td></tr>{{/entries}}</tbody></table>
        {{^entries}}<p>{{c.nothing}}</p>{{/entries}}
        {{#older}}<p><a href="{{older}}">{{c.older}}</a></p>{{/older}}
        {{/content}}{{/console}}
        """

    static let css = """
        .fields { display: flex; flex-wrap: wrap; gap: .75rem; align-items: end; margin: 1rem 0; }
        .fields input, .fields select { padding: .3rem; border: 1px solid #6b7480; border-radius: .25rem; }
        .danger { border: 1px solid #9b1c1c; padding: .75rem; border-radius: .25rem; }
        .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
        .facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
        pre { white-space: pre-wrap; word-break: break-all; font-size: .8rem; }
        svg.chart { width: 100%; height: auto; }
        .wide { overflow-x: auto; }
        output[data-new-key] { font-family: ui-monospace, monospace; font-weight: 700; }
        """
}
