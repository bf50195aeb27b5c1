/// The console's templates: the frame with the program's navigation and sign-out, sign-in, the overview, the rules.
/// Registered beside the pages' (`PageTemplates`), whose `page` frame they fill.
enum ConsoleTemplates {
    static let all = [("console", console), ("console-login", login), ("console-home", home), ("console-rules", rules)]

    static let console = """
        {{<page}}{{$body}}
        <a class="skip" href="#content">{{t.skip}}</a>
        <header class="console-bar"><p class="program">{{programName}}</p>
        <nav aria-label="{{t.console}}"><ul class="tabs">{{#nav}}<li><a href="{{href}}"{{#current}} aria-current="page"{{/current}}>{{label}}</a></li>{{/nav}}</ul></nav>
        <form method="post" action="/console/logout"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">{{t.signOut}}</button></form>
        </header>
        <main id="content">{{$content}}{{/content}}</main>
        {{/body}}{{/page}}
        """

    static let login = """
        {{<page}}{{$body}}
        <main id="content" class="narrow"><h1>{{t.signInTitle}}</h1>
        <p>{{t.signInHelp}}</p>
        {{#error}}<p class="error" role="alert" data-field="key">{{error}}</p>{{/error}}
        <form method="post" action="/console/login">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label for="key">{{t.adminKey}}</label>
        <input id="key" name="key" type="password" autocomplete="current-password" required>
        <button type="submit">{{t.signIn}}</button>
        </form></main>
        {{/body}}{{/page}}
        """

    static let home = """
        {{<console}}{{$content}}
        <h1>{{programName}}</h1>
        <ul class="cards">{{#nav}}{{^current}}<li><a href="{{href}}">{{label}}</a></li>{{/current}}{{/nav}}</ul>
        {{/content}}{{/console}}
        """

    static let rules = """
        {{<console}}{{$content}}
        <h1>{{t.rules}}</h1>
        <p>{{inForce}}</p>
        {{#notice}}<p class="notice" role="status">{{notice}}</p>{{/notice}}
        <section aria-labelledby="form-view-title"><h2 id="form-view-title">{{f.formView}}</h2>
        <p class="help">{{f.formViewHelp}}</p>
        <form method="post" action="/console/{{programId}}/rules" class="rules-form" novalidate>
        <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="view" value="form">
        {{#groups}}<fieldset data-group="{{group}}"><legend>{{legend}}</legend>
        {{#rows}}<div class="row{{#invalid}} invalid{{/invalid}}" data-row="{{row}}">
        {{#fields}}{{#isInput}}<label>{{label}} <input type="text" name="{{name}}" value="{{value}}"></label> {{/isInput}}{{#isCheck}}<label class="check"><input type="checkbox" name="{{name}}" value="on"{{#checked}} checked{{/checked}}> {{label}}</label> {{/isCheck}}{{#isSelect}}<label>{{label}} <select name="{{name}}">{{#options}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/options}}</select></label> {{/isSelect}}{{/fields}}
        {{#invalid}}<ul class="problems">{{#problems}}<li data-field="{{field}}"><code>{{field}}</code> {{problem}}</li>{{/problems}}</ul>{{/invalid}}
        </div>{{/rows}}</fieldset>{{/groups}}
        <fieldset><legend>{{t.simulateOn}}</legend>
        <label>{{t.from}} <input type="date" name="from" value="{{from}}"></label>
        <label>{{t.to}} <input type="date" name="to" value="{{to}}"></label></fieldset>
        <label>{{t.publishFrom}} <input type="text" name="effectiveFrom" value="{{effectiveFrom}}" placeholder="2026-12-31" aria-describedby="effective-help"></label>
        <p class="actions"><button type="submit" name="action" value="validate">{{t.validate}}</button>
        <button type="submit" name="action" value="simulate">{{t.simulate}}</button>
        <button type="submit" name="action" value="publish">{{t.publish}}</button></p>
        </form></section>
        <h2>{{f.jsonView}}</h2>
        <form method="post" action="/console/{{programId}}/rules" class="rules">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label for="rules">{{t.draft}}</label>
        {{#hasProblems}}<div id="problems" role="alert"><ul class="problems">{{#problems}}<li data-field="{{field}}"><code>{{field}}</code> {{problem}}</li>{{/problems}}</ul></div>{{/hasProblems}}
        <textarea id="rules" name="rules" rows="16" spellcheck="false"{{#hasProblems}} aria-invalid="true" aria-describedby="problems"{{/hasProblems}}>{{draft}}</textarea>
        <fieldset><legend>{{t.simulateOn}}</legend>
        <label>{{t.from}} <input type="date" name="from" value="{{from}}"></label>
        <label>{{t.to}} <input type="date" name="to" value="{{to}}"></label></fieldset>
        <label>{{t.publishFrom}} <input type="text" name="effectiveFrom" value="{{effectiveFrom}}" placeholder="2026-12-31" aria-describedby="effective-help"></label>
        <p id="effective-help" class="help">{{t.publishFromHelp}}</p>
        <p class="actions"><button type="submit" name="action" value="validate">{{t.validate}}</button>
        <button type="submit" name="action" value="simulate">{{t.simulate}}</button>
        <button type="submit" name="action" value="publish">{{t.publish}}</button></p>
        </form>
        {{#simulation}}<section data-simulation aria-labelledby="simulation-title"><h2 id="simulation-title">{{title}}</h2>
        <table><caption>{{t.byAction}}</caption><thead><tr><th scope="col">{{t.action}}</th><th scope="col" class="num">{{t.events}}</th><th scope="col" class="num">{{t.before}}</th><th scope="col" class="num">{{t.after}}</th></tr></thead>
        <tbody>{{#actions}}<tr data-action="{{action}}"><th scope="row">{{action}}</th><td class="num">{{events}}</td><td class="num">{{before}}</td><td class="num">{{after}}</td></tr>{{/actions}}</tbody></table>
        <table><caption>{{t.topTen}}</caption><thead><tr><th scope="col">{{t.rank}}</th><th scope="col">{{t.before}}</th><th scope="col">{{t.after}}</th></tr></thead>
        <tbody>{{#top}}<tr><td>{{rank}}</td><td>{{before}}</td><td>{{after}}</td></tr>{{/top}}</tbody></table>
        <table><caption>{{t.movers}}</caption><thead><tr><th scope="col">{{t.member}}</th><th scope="col">{{t.before}}</th><th scope="col">{{t.after}}</th></tr></thead>
        <tbody>{{#movers}}<tr data-mover="{{memberId}}"><th scope="row">{{memberId}}</th><td>{{before}}</td><td>{{after}}</td></tr>{{/movers}}</tbody></table>
        </section>{{/simulation}}
        <h2>{{t.versions}}</h2>
        <table><thead><tr><th scope="col">{{t.version}}</th><th scope="col">{{t.effective}}</th><th scope="col">{{t.scoredActions}}</th></tr></thead>
        <tbody>{{#versions}}<tr data-version="{{version}}"><td>{{version}}</td><td>{{#effective}}<time datetime="{{stamp}}">{{text}}</time>{{/effective}}{{^effective}}—{{/effective}}</td><td>{{actions}}</td></tr>{{/versions}}</tbody></table>
        {{/content}}{{/console}}
        """

    static let css = """
        .console-bar { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; justify-content: space-between; margin-bottom: 1rem; }
        .console-bar .program { font-weight: 700; margin: 0; }
        .console-bar .tabs { margin: 0; }
        .narrow { max-width: 28rem; }
        .narrow label, .narrow input { display: block; margin-bottom: .5rem; }
        .narrow input { width: 100%; padding: .4rem; border: 1px solid #6b7480; border-radius: .25rem; }
        .error, .problems { color: #9b1c1c; }
        .notice { background: #e7f3e8; padding: .5rem; border-radius: .25rem; }
        textarea { width: 100%; font-family: ui-monospace, monospace; font-size: .9rem; border: 1px solid #6b7480; border-radius: .25rem; }
        textarea[aria-invalid="true"] { border-color: #9b1c1c; }
        fieldset { border: 1px solid #d5dae1; margin: 1rem 0; }
        .help { color: #4a5360; font-size: .9rem; }
        .actions { display: flex; gap: .5rem; flex-wrap: wrap; }
        section[data-simulation] table, main table { width: 100%; border-collapse: collapse; margin-bottom: 1rem; }
        main table th, main table td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #d5dae1; }
        main table caption { text-align: left; font-weight: 600; }
        .rules-form .row { display: flex; flex-wrap: wrap; gap: .25rem .75rem; align-items: end; padding: .35rem 0; border-bottom: 1px solid #eef0f3; }
        .rules-form .row.invalid, .field.invalid { border-left: 3px solid #9b1c1c; padding-left: .5rem; }
        .rules-form .row .problems { flex-basis: 100%; margin: .25rem 0; }
        .rules-form input[type="text"] { width: 9rem; }
        .field { margin: .5rem 0; }
        .field label, .field select, .field input, .field textarea { display: block; }
        .check { display: inline-flex; gap: .25rem; align-items: center; }
        form.inline { display: inline; }
        .cards { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .75rem; }
        .cards a { display: block; padding: 1rem 1.5rem; border: 1px solid #8a94a3; border-radius: .5rem; }
        """
}
