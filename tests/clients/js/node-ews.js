'use strict';
/*
 * node-ews (npm, a generic SOAP client over npm "soap"): it downloads
 * /ews/services.wsdl, /ews/messages.xsd and /ews/types.xsd from the server
 * itself (Basic, sent up front: node-ews's Basic otherwise waits for the 401
 * and npm "request" reads only its first scheme, Negotiate on Exchange; its
 * NTLM, ntlm-client 0.1.1, cannot read a challenge on Node >= 15, whose
 * IncomingMessage.headers is no own property), builds its client from
 * the WSDL's wsdl:service and calls the operation at the soap:address it
 * found there (issue 13 items 1 and 6).
 *
 * usage: node node-ews.js --url BASE --user ADDRESS --password PW [--insecure] [--auth basic|ntlm]
 *                         (--photo EMAIL [--size HR96x96] | --resolve TEXT)
 * Prints one JSON object: { ok, op, ...answer fields } or { ok: false, error }.
 */
const { parseArgs } = require('node:util');
const os = require('node:os');
const fs = require('node:fs');
const path = require('node:path');
const EWS = require('node-ews');

async function main() {
    const { values: o } = parseArgs({
        options: {
            url: { type: 'string' }, user: { type: 'string' }, password: { type: 'string' },
            insecure: { type: 'boolean', default: false }, photo: { type: 'string' },
            size: { type: 'string', default: 'HR96x96' }, resolve: { type: 'string' },
            auth: { type: 'string', default: 'basic' },
        },
    });
    if (!o.url || !o.user || !o.password || !(o.photo || o.resolve))
        throw new Error('usage: node node-ews.js --url BASE --user ADDRESS --password PW (--photo EMAIL | --resolve TEXT)');
    // a fresh directory: node-ews would reuse files it finds there instead of fetching them
    const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'node-ews-'));
    const options = o.insecure ? { strictSSL: false, rejectUnauthorized: false } : {};
    if (o.auth === 'basic')
        options.auth = { user: o.user, pass: o.password, sendImmediately: true };
    const ews = new EWS({ username: o.user, password: o.password, host: o.url, auth: o.auth, temp }, options);
    const header = { 't:RequestServerVersion': { attributes: { Version: 'Exchange2016' } } };
    try {
        if (o.photo) {
            const r = await ews.run('GetUserPhoto', { Email: o.photo, SizeRequested: o.size }, header);
            const data = Buffer.from(r.PictureData || '', 'base64');
            return { ok: true, op: 'GetUserPhoto', responseClass: r.attributes && r.attributes.ResponseClass,
                     responseCode: r.ResponseCode, hasChanged: r.HasChanged, length: data.length,
                     head: data.subarray(0, 4).toString('hex'), contentType: r.ContentType || null };
        }
        const r = await ews.run('ResolveNames', { attributes: { ReturnFullContactData: 'true' },
                                                  UnresolvedEntry: o.resolve }, header);
        const m = r.ResponseMessages.ResolveNamesResponseMessage;
        const res = m.ResolutionSet ? [].concat(m.ResolutionSet.Resolution) : [];
        return { ok: true, op: 'ResolveNames', responseClass: m.attributes && m.attributes.ResponseClass,
                 responseCode: m.ResponseCode,
                 mailboxes: res.map(x => x.Mailbox && x.Mailbox.EmailAddress),
                 displayNames: res.map(x => x.Contact && x.Contact.DisplayName),
                 files: fs.readdirSync(temp).sort() };
    } finally {
        fs.rmSync(temp, { recursive: true, force: true });
    }
}

main().then(r => console.log(JSON.stringify(r)),
            e => { console.log(JSON.stringify({ ok: false, error: String(e && e.message || e) })); process.exitCode = 1; });
