'use strict';
/*
 * The caller's contacts as an application lists them (mailbox-ops spec §3, §11.2):
 * service.FindItems(WellKnownFolderName.Contacts, view) with an ItemView of
 * PAGE_SIZE (IndexedPageItemView, BasePoint Beginning), ordered by
 * ContactSchema.DisplayName, following results.NextPageOffset while
 * results.MoreAvailable; optionally restricted with a SearchFilter
 * (ContainsSubstring on DisplayName, Prefixed, IgnoreCase).
 *
 * usage: node find-items.js [common options] [--page-size N] [--descending] [--prefix TEXT]
 *
 * Prints { pages: [{ ok, offset, total, moreAvailable, nextPageOffset, items: [{ id, displayName }] }],
 * http }.  A page that fails carries ok:false and the library's error.
 */
const { ews, parseCommandLine, makeService, step, run } = require('./lib/common');
const { safe } = require('./lib/describe');

const USAGE = 'usage: node find-items.js [--url URL --user ADDRESS --password PW] [--insecure] [--trace]\n' +
              '                          [--page-size N] [--descending] [--prefix TEXT]';
const MAX_PAGES = 50;

async function main() {
    const { values: opts } = parseCommandLine(USAGE, {
        'page-size': { type: 'string', default: '3' },
        descending: { type: 'boolean', default: false },
        prefix: { type: 'string' },
    });
    const pageSize = parseInt(opts['page-size'], 10);
    const { service, tracer } = makeService(opts);
    const filter = opts.prefix === undefined ? null
        : new ews.SearchFilter.ContainsSubstring(ews.ContactSchema.DisplayName, opts.prefix,
                                                 ews.ContainmentMode.Prefixed, ews.ComparisonMode.IgnoreCase);
    const pages = [];
    let offset = 0;
    for (let i = 0; i < MAX_PAGES; i++) {
        const view = new ews.ItemView(pageSize, offset, ews.OffsetBasePoint.Beginning);
        view.OrderBy.Add(ews.ContactSchema.DisplayName,
                         opts.descending ? ews.SortDirection.Descending : ews.SortDirection.Ascending);
        const page = await step(async () => {
            const res = filter
                ? await service.FindItems(ews.WellKnownFolderName.Contacts, filter, view)
                : await service.FindItems(ews.WellKnownFolderName.Contacts, view);
            return {
                offset,
                total: res.TotalCount,
                moreAvailable: res.MoreAvailable,
                nextPageOffset: res.NextPageOffset,
                items: res.Items.map((it) => ({ id: safe(() => it.Id.UniqueId), displayName: safe(() => it.DisplayName) })),
            };
        });
        pages.push(page);
        if (!page.ok || !page.moreAvailable) {
            break;
        }
        offset = page.nextPageOffset;
    }
    return { pages, http: tracer.summary() };
}

run(main);
