'use strict';
/*
 * A contact's picture as an application gets it (spec §4, §5, §7):
 *   1. service.ResolveName(NAME, ResolveNameSearchLocation.ContactsOnly, true)
 *      and the resolution's Mailbox.Id (skipped with --id);
 *   2. Contact.Bind(service, id) with PropertySet.FirstClassProperties (GetItem,
 *      BaseShape AllProperties), and again with
 *      PropertySet(IdOnly, [DisplayName, HasPicture, Attachments]) (GetItem,
 *      BaseShape IdOnly + AdditionalProperties);
 *   3. contact.GetContactPictureAttachment() on each bound contact;
 *   4. attachment.Load() (GetAttachment) on the first bind's picture, decoded.
 *
 * usage: node contact-picture.js [common options] [--email ADDRESS] [--save FILE] (NAME | --id ITEMID)
 *   --email  among several resolutions take the one with this address
 *   --id     bind this item id directly (e.g. a malformed one)
 *   --save   write the loaded picture bytes to FILE
 *
 * Prints { resolve?, id, binds: [{ propertySet, ok, contact, hasPicture,
 * attachments, picture, error? }], load, http }. A step that fails carries
 * ok:false and the library's error; the steps after it are null.
 */
const { ews, parseCommandLine, makeService, step, run, headHex, saveTo, UsageError } = require('./lib/common');
const { safe, describeMailbox, describeContact, describeAttachments } = require('./lib/describe');

const USAGE = 'usage: node contact-picture.js [--url URL --user ADDRESS --password PW] [--insecure] [--trace]\n' +
              '                               [--email ADDRESS] [--save FILE] (NAME | --id ITEMID)';

const BIND_SETS = [
    ['FirstClassProperties', () => ews.PropertySet.FirstClassProperties],
    ['IdOnly+DisplayName+HasPicture+Attachments', () => new ews.PropertySet(ews.BasePropertySet.IdOnly, [
        ews.ContactSchema.DisplayName, ews.ContactSchema.HasPicture, ews.ItemSchema.Attachments])],
];

function describePicture(att) {
    return att ? {
        id: safe(() => att.Id),
        name: safe(() => att.Name),
        contentType: safe(() => att.ContentType),
        size: safe(() => att.Size),
        isContactPhoto: safe(() => att.IsContactPhoto),
    } : null;
}

async function main() {
    const { values: opts, positionals } = parseCommandLine(USAGE, {
        id: { type: 'string' },
        email: { type: 'string' },
        save: { type: 'string' },
    });
    if ((opts.id === undefined) === (positionals.length !== 1) || positionals.length > 1) {
        throw new UsageError(`give either NAME or --id\n${USAGE}`);
    }
    const { service, tracer } = makeService(opts);
    const result = { resolve: null, id: null, binds: [], load: null };

    let itemId = opts.id !== undefined ? new ews.ItemId(opts.id) : null;
    if (itemId === null) {
        const name = positionals[0];
        result.resolve = await step(async () => {
            const resolutions = await service.ResolveName(name, ews.ResolveNameSearchLocation.ContactsOnly, true);
            const all = resolutions.GetEnumerator();
            const chosen = all.find((r) => !opts.email ||
                (r.Mailbox.Address || '').toLowerCase() === opts.email.toLowerCase()) || null;
            itemId = chosen ? chosen.Mailbox.Id : null;
            return {
                name, count: resolutions.Count,
                resolutions: all.map((r) => ({ mailbox: describeMailbox(r.Mailbox), contact: describeContact(r.Contact) })),
                chosen: chosen ? describeMailbox(chosen.Mailbox) : null,
            };
        });
    }
    result.id = itemId ? safe(() => itemId.UniqueId) : null;
    if (!itemId || !result.id) {
        result.http = tracer.summary();
        return result;
    }

    let toLoad = null;
    for (const [label, makeSet] of BIND_SETS) {
        let contact = null;
        const bound = await step(async () => {
            contact = await ews.Contact.Bind(service, itemId, makeSet());
            return { contact: describeContact(contact), hasPicture: safe(() => contact.HasPicture),
                     attachments: describeAttachments(contact) };
        });
        const entry = { propertySet: label, ...bound, picture: null };
        if (bound.ok) {
            entry.picture = await step(async () => describePicture(contact.GetContactPictureAttachment()) || { none: true });
            if (toLoad === null && entry.picture.ok && !entry.picture.none) {
                toLoad = contact.GetContactPictureAttachment();
            }
        }
        result.binds.push(entry);
    }

    if (toLoad !== null) {
        result.load = await step(async () => {
            await toLoad.Load();
            const content = Buffer.from(toLoad.Base64Content || '', 'base64');
            saveTo(opts.save, content);
            return { ...describePicture(toLoad), contentLength: content.length, head: headHex(content) };
        });
    }
    result.http = tracer.summary();
    return result;
}

run(main);
