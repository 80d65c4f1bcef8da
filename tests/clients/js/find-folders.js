'use strict';
/*
 * FindFolder as an application calls it (mailbox-ops §2, §11.2):
 *   service.FindFolders(WellKnownFolderName.MsgFolderRoot, new FolderView(N, offset))
 *
 * usage: node find-folders.js [common options] [--parent NAME] [--traversal Shallow|Deep]
 *                             [--page-size N] [--offset K] [--all]
 *   --parent     a WellKnownFolderName (default MsgFolderRoot)
 *   --traversal  FolderView.Traversal (default Shallow, the library's default)
 *   --page-size  FolderView page size (default 100); --offset its Offset (default 0)
 *   --all        page on while MoreAvailable, with the next offset the library reports
 *                (0.15.3 parses IndexedPagingOffset but never stores it in NextPageOffset,
 *                so an application adds the page's length itself, as done here then)
 *
 * Prints { ok, pages: [{ totalCount, moreAvailable, nextPageOffset, count }],
 * folders: [{ type, id, parentId, displayName, folderClass, totalCount, childFolderCount }],
 * error?, http } (see lib/common.js for the common options and exit codes).
 */
const { ews, parseCommandLine, makeService, step, run, UsageError } = require('./lib/common');
const { safe } = require('./lib/describe');

const USAGE = 'usage: node find-folders.js [--url URL --user ADDRESS --password PW] [--insecure] [--trace]\n' +
              '                            [--parent NAME] [--traversal Shallow|Deep] [--page-size N]\n' +
              '                            [--offset K] [--all]';
const PAGES_MAX = 50;     /* a server that never says "last page" must not hang the test */

function describeFolder(f) {
    return {
        type: f.constructor.name,
        id: safe(() => f.Id.UniqueId),
        parentId: safe(() => f.ParentFolderId.UniqueId),
        displayName: safe(() => f.DisplayName),
        folderClass: safe(() => f.FolderClass),
        totalCount: safe(() => f.TotalCount),
        childFolderCount: safe(() => f.ChildFolderCount),
    };
}

async function main() {
    const { values: opts } = parseCommandLine(USAGE, {
        parent: { type: 'string', default: 'MsgFolderRoot' },
        traversal: { type: 'string', default: 'Shallow' },
        'page-size': { type: 'string', default: '100' },
        offset: { type: 'string', default: '0' },
        all: { type: 'boolean', default: false },
    });
    const parent = ews.WellKnownFolderName[opts.parent];
    const traversal = ews.FolderTraversal[opts.traversal];
    if (typeof parent !== 'number' || typeof traversal !== 'number') {
        throw new UsageError(`unknown --parent or --traversal\n${USAGE}`);
    }
    const { service, tracer } = makeService(opts);
    const result = { parent: opts.parent, traversal: opts.traversal, pages: [], folders: [] };
    const outcome = await step(async () => {
        let offset = Number(opts.offset);
        for (let i = 0; i < PAGES_MAX; i++) {
            const view = new ews.FolderView(Number(opts['page-size']), offset);
            view.Traversal = traversal;
            view.PropertySet = new ews.PropertySet(ews.BasePropertySet.FirstClassProperties,
                                                   [ews.FolderSchema.ParentFolderId]);
            const res = await service.FindFolders(parent, view);
            result.pages.push({ totalCount: res.TotalCount, moreAvailable: res.MoreAvailable,
                                nextPageOffset: res.NextPageOffset === undefined ? null : res.NextPageOffset,
                                count: res.Folders.length });
            result.folders.push(...res.Folders.map(describeFolder));
            if (!opts.all || !res.MoreAvailable) {
                return {};
            }
            offset = typeof res.NextPageOffset === 'number' ? res.NextPageOffset : offset + res.Folders.length;
        }
        throw new Error(`still MoreAvailable after ${PAGES_MAX} pages`);
    });
    return { ...result, ...outcome, http: tracer.summary() };
}

run(main);
