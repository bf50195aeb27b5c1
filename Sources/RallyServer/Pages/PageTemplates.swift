import Mustache

/// The pages' templates, compiled once (the leaderboard and the widget, the busiest, are written by `HTMLWriter`).
/// `{{x}}` escapes HTML: every value a member or an admin wrote goes through it; nothing reaches a `<script>` or a style,
/// and no key or secret is ever part of a model.
enum PageTemplates {
    static func library() throws -> MustacheLibrary {
        var library = MustacheLibrary()
        for (name, text) in [("page", page), ("problem", problem)]
            + ConsoleTemplates.all + ConsoleAdminTemplates.all + ProfileTemplates.all {
            try library.register(text, named: name)
        }
        return library
    }

    /// The frame of every page: its language, title and style sheet, and the script for a page that is live.
    static let page = """
        <!DOCTYPE html>
        <html lang="{{lang}}">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}}</title>
        <link rel="stylesheet" href="/assets/rally.css">
        {{#live}}<script src="/assets/live.js" defer></script>{{/live}}
        </head>
        <body class="{{kind}}">
        {{$body}}{{/body}}
        </body>
        </html>
        """

    static let problem = """
        {{<page}}{{$body}}
        <main><h1>{{heading}}</h1><p>{{message}}</p></main>
        {{/body}}{{/page}}
        """

    /// Plain, legible, at phone and desktop widths; contrast of at least 4.5:1 everywhere; focus always visible.
    static let css = """
        :root { font-family: system-ui, sans-serif; color: #1b1f24; background: #ffffff; line-height: 1.45; }
        body { margin: 0 auto; max-width: 48rem; padding: 1rem; }
        a { color: #0b4fbf; }
        a:focus, button:focus, input:focus { outline: 3px solid #b34700; outline-offset: 2px; }
        .skip { position: absolute; left: -999px; }
        .skip:focus { left: 1rem; top: 1rem; background: #ffffff; padding: .5rem; }
        h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
        .period { color: #4a5360; margin: 0 0 1rem; }
        .tabs { list-style: none; display: flex; flex-wrap: wrap; gap: .5rem; padding: 0; margin: 0 0 1rem; }
        .tabs a { display: inline-block; padding: .4rem .8rem; border: 1px solid #8a94a3; border-radius: 1rem; text-decoration: none; }
        .tabs a[aria-current="page"] { background: #0b4fbf; color: #ffffff; border-color: #0b4fbf; }
        .filter { display: flex; flex-wrap: wrap; gap: .5rem; align-items: end; margin-bottom: 1rem; }
        .filter input { padding: .3rem; border: 1px solid #6b7480; border-radius: .25rem; }
        button { padding: .35rem .9rem; background: #0b4fbf; color: #ffffff; border: 0; border-radius: .25rem; }
        table.ranking { width: 100%; border-collapse: collapse; margin-bottom: 1rem; }
        .ranking caption { text-align: left; font-weight: 600; padding: .25rem 0; }
        .ranking th, .ranking td { text-align: left; padding: .5rem; border-bottom: 1px solid #d5dae1; }
        .ranking .num { text-align: right; font-variant-numeric: tabular-nums; }
        .ranking td.rank { width: 3.5rem; }
        .ranking tr.place-1 td.rank, .ranking tr.place-2 td.rank, .ranking tr.place-3 td.rank { font-weight: 700; border-left: .4rem solid; }
        .ranking tr.place-1 td.rank { border-left-color: #c9a227; }
        .ranking tr.place-2 td.rank { border-left-color: #9aa3ad; }
        .ranking tr.place-3 td.rank { border-left-color: #b8733e; }
        .ranking tr.viewer { background: #fff4d6; font-weight: 600; }
        .you .ranking caption { padding-top: 1rem; }
        body.embed { padding: .5rem; }
        body.embed h1 { font-size: 1.1rem; }
        body.embed table[data-board] caption { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
        @media (max-width: 30rem) { .ranking .team { display: none; } }
        """
}
