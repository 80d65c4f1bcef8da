'use strict';
/*
 * Autodiscover as an application does it with ews-javascript-api (spec §9.2):
 * new AutodiscoverService(new Uri(BASE + "/autodiscover/autodiscover.svc"),
 * Exchange2013_SP1) with WebCredentials, then GetUserSettings(email, [names])
 * (SOAP GetUserSettings).
 *
 * usage: node autodiscover.js --url BASE --user ADDRESS --password PW EMAIL SETTING...
 * Prints { ok, errorCode, errorMessage, settings: {name: value}, settingErrors: [...] }
 * or { ok: false, error } when the library threw.
 */
const { parseArgs } = require('node:util');
const ews = require('ews-javascript-api');

async function main() {
    const { values, positionals } = parseArgs({
        options: { url: { type: 'string' }, user: { type: 'string' }, password: { type: 'string' } },
        allowPositionals: true,
    });
    if (!values.url || !values.user || positionals.length < 2) {
        process.stderr.write('usage: node autodiscover.js --url BASE --user ADDRESS --password PW EMAIL SETTING...\n');
        process.exit(2);
    }
    const [email, ...names] = positionals;
    const svc = new ews.AutodiscoverService(new ews.Uri(values.url + '/autodiscover/autodiscover.svc'),
                                            ews.ExchangeVersion.Exchange2013_SP1);
    svc.Credentials = new ews.WebCredentials(values.user, values.password || '');
    const wanted = names.map((n) => {
        const v = ews.UserSettingName[n];
        if (v === undefined) throw new Error('unknown UserSettingName ' + n);
        return v;
    });
    let out;
    try {
        const r = await svc.GetUserSettings(email, wanted);
        const settings = {};
        for (const n of names) {
            const key = ews.UserSettingName[n];
            if (r.Settings.containsKey(key)) settings[n] = r.Settings.get(key);
        }
        out = {
            ok: true,
            errorCode: ews.AutodiscoverErrorCode[r.ErrorCode],
            errorMessage: r.ErrorMessage,
            settings,
            settingErrors: (r.UserSettingErrors || []).map((e) => ({
                code: ews.AutodiscoverErrorCode[e.ErrorCode], name: e.SettingName })),
        };
    } catch (e) {
        out = { ok: false, error: String((e && (e.message || e.Message)) || e) };
    }
    process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((e) => { process.stderr.write(String(e && e.stack || e) + '\n'); process.exit(1); });
