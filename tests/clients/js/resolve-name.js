'use strict';
/*
 * ResolveNames as an application calls it (spec §4):
 *   service.ResolveName(NAME, searchLocation, returnContactDetails[, contactDataPropertySet])
 *
 * usage: node resolve-name.js [common options] [--scope LOCATION] [--no-details]
 *                             [--shape IdOnly|AllProperties] [--parent contacts|bound] NAME
 *   --scope       ResolveNameSearchLocation: DirectoryOnly, DirectoryThenContacts
 *                 (default), ContactsOnly, ContactsThenDirectory
 *   --no-details  returnContactDetails = false (ReturnFullContactData="false")
 *   --shape       pass a contact data PropertySet: IdOnly -> PropertySet.IdOnly,
 *                 AllProperties -> PropertySet.FirstClassProperties; the library
 *                 turns it into the ContactDataShape attribute. Without it the
 *                 attribute is not sent.
 *   --parent      search this contact folder (m:ParentFolderIds; without it the library
 *                 sends none): "contacts" -> new FolderId(WellKnownFolderName.Contacts)
 *                 (a t:DistinguishedFolderId); "bound" -> ContactsFolder.Bind(service,
 *                 WellKnownFolderName.Contacts) first (GetFolder), then its Id (a
 *                 t:FolderId); the folder is reported under "folder"
 *
 * Prints { ok, count, includesAllResolutions, resolutions: [{ mailbox, contact }],
 * folder?, error?, http } (see lib/common.js for the common options and exit codes).
 */
const { ews, parseCommandLine, makeService, enumName, step, run, UsageError } = require('./lib/common');
const { safe, describeMailbox, describeContact } = require('./lib/describe');

const USAGE = 'usage: node resolve-name.js [--url URL --user ADDRESS --password PW] [--insecure] [--trace]\n' +
              '                            [--scope LOCATION] [--no-details] [--shape IdOnly|AllProperties]\n' +
              '                            [--parent contacts|bound] NAME';

const SHAPES = {
    IdOnly: () => ews.PropertySet.IdOnly,
    AllProperties: () => ews.PropertySet.FirstClassProperties,
};

async function main() {
    const { values: opts, positionals } = parseCommandLine(USAGE, {
        scope: { type: 'string', default: 'DirectoryThenContacts' },
        'no-details': { type: 'boolean', default: false },
        shape: { type: 'string' },
        parent: { type: 'string' },
    });
    if (positionals.length !== 1) {
        throw new UsageError(`exactly one NAME expected\n${USAGE}`);
    }
    const scope = ews.ResolveNameSearchLocation[opts.scope];
    if (typeof scope !== 'number') {
        throw new UsageError(`unknown --scope ${opts.scope}\n${USAGE}`);
    }
    if (opts.shape !== undefined && !SHAPES[opts.shape]) {
        throw new UsageError(`unknown --shape ${opts.shape}\n${USAGE}`);
    }
    if (opts.parent !== undefined && !['contacts', 'bound'].includes(opts.parent)) {
        throw new UsageError(`unknown --parent ${opts.parent}\n${USAGE}`);
    }
    const name = positionals[0];
    const details = !opts['no-details'];
    const { service, tracer } = makeService(opts);
    const result = { name, scope: enumName(ews.ResolveNameSearchLocation, scope), returnContactDetails: details,
                     shape: opts.shape || null, parent: opts.parent || null };

    let parents = null;
    if (opts.parent === 'contacts') {
        parents = [new ews.FolderId(ews.WellKnownFolderName.Contacts)];
    } else if (opts.parent === 'bound') {
        result.folder = await step(async () => {
            const folder = await ews.ContactsFolder.Bind(service, ews.WellKnownFolderName.Contacts);
            parents = [folder.Id];
            return {
                id: safe(() => folder.Id.UniqueId), displayName: safe(() => folder.DisplayName),
                folderClass: safe(() => folder.FolderClass), totalCount: safe(() => folder.TotalCount),
                childFolderCount: safe(() => folder.ChildFolderCount),
            };
        });
        if (!result.folder.ok) {
            return { ...result, http: tracer.summary() };
        }
    }

    const outcome = await step(async () => {
        const contactData = opts.shape === undefined ? [] : [SHAPES[opts.shape]()];
        const resolutions = parents === null
            ? await service.ResolveName(name, scope, details, ...contactData)
            : await service.ResolveName(name, parents, scope, details, ...contactData);
        const list = resolutions.GetEnumerator().map((r) => ({
            mailbox: describeMailbox(r.Mailbox),
            contact: describeContact(r.Contact),
        }));
        return { count: resolutions.Count, includesAllResolutions: resolutions.IncludesAllResolutions, resolutions: list };
    });
    return { ...result, ...outcome, http: tracer.summary() };
}

run(main);
