'use strict';
/*
 * Shared plumbing for the ews-javascript-api client scripts: command line, the
 * ExchangeService an application would build, a tracing wrapper around the
 * library's own XHR, and the JSON every script prints for the pytest side.
 *
 * Common options (each falls back to an environment variable):
 *   --url URL        server base, e.g. http://127.0.0.1:8080   (EWS_URL); the
 *                    scripts talk to URL + "/EWS/Exchange.asmx"
 *   --user ADDRESS   the caller                                  (EWS_USER)
 *   --password PW                                                (EWS_PASSWORD)
 *   --insecure       accept the server's self-signed certificate through the
 *                    library's XhrApi option (rejectUnauthorized: false)
 *   --trace          print every request and response body to stderr
 *
 * A script prints exactly one JSON object on stdout and exits 0 whenever it
 * got that far, whatever the library answered: exceptions thrown by the
 * library are results to assert on, recorded with describeError(). Exit 2
 * means bad usage, 1 a crash of the script itself.
 */
const fs = require('node:fs');
const { parseArgs } = require('node:util');
const ews = require('ews-javascript-api');

const EWS_PATH = '/EWS/Exchange.asmx';

const COMMON_OPTIONS = {
    url: { type: 'string' },
    user: { type: 'string' },
    password: { type: 'string' },
    insecure: { type: 'boolean', default: false },
    trace: { type: 'boolean', default: false },
};

class UsageError extends Error {}

/* Parses argv with the common options plus the script's own (util.parseArgs
 * option specs); returns { values, positionals }. */
function parseCommandLine(usage, extraOptions = {}) {
    let parsed;
    try {
        parsed = parseArgs({
            args: process.argv.slice(2),
            options: { ...COMMON_OPTIONS, ...extraOptions },
            allowPositionals: true,
        });
    } catch (e) {
        throw new UsageError(`${e.message}\n${usage}`);
    }
    const v = parsed.values;
    v.url = v.url || process.env.EWS_URL;
    v.user = v.user || process.env.EWS_USER;
    v.password = v.password !== undefined ? v.password : process.env.EWS_PASSWORD;
    for (const name of ['url', 'user', 'password']) {
        if (v[name] === undefined || v[name] === '') {
            throw new UsageError(`missing --${name} (or EWS_${name.toUpperCase()})\n${usage}`);
        }
    }
    return parsed;
}

/* The first element of soap:Body names the operation (the library sends no SOAPAction). */
function operationOf(body) {
    const m = /<(?:[\w.-]+:)?Body\b[^>]*>\s*<(?:[\w.-]+:)?([\w.-]+)/.exec(body || '');
    return m ? m[1] : null;
}

/*
 * IXHRApi wrapper around the library's own XhrApi: passes every call through
 * unchanged and keeps, per HTTP exchange, the operation, status, response
 * headers and both bodies. The library throws the raw response object for
 * every status but 200, so a non-200 exchange is recorded on the way out.
 */
class TracingXhrApi {
    constructor(inner, echo) {
        this.inner = inner;
        this.echo = echo;
        this.exchanges = [];
    }

    get apiName() {
        return `tracing(${this.inner.apiName})`;
    }

    async xhr(options, progressDelegate) {
        const entry = { operation: operationOf(options.data), status: null, headers: {}, request: options.data };
        this.exchanges.push(entry);
        const record = (response) => {
            entry.status = response && response.status !== undefined ? response.status : null;
            entry.headers = (response && response.headers) || {};
            entry.response = response ? response.responseText : undefined;
            if (this.echo) {
                const headers = Object.entries(options.headers || {})
                    .map(([k, v]) => `${k}: ${/^authorization$/i.test(k) ? String(v).split(' ')[0] + ' ...' : v}`);
                process.stderr.write(`>>> ${options.type} ${options.url} (${entry.operation})\n${headers.join('\n')}\n\n` +
                                     `${options.data}\n<<< HTTP ${entry.status}\n${entry.response}\n\n`);
            }
        };
        try {
            const response = await this.inner.xhr(options, progressDelegate);
            record(response);
            return response;
        } catch (e) {
            record(e);
            throw e;
        }
    }

    xhrStream(options, progressDelegate) {
        return this.inner.xhrStream(options, progressDelegate);
    }

    disconnect() {
        this.inner.disconnect();
    }

    /* Operation, HTTP status and the ResponseCode elements of each exchange, for
     * the JSON result: what went over the wire beneath what the library reports
     * (e.g. it turns ErrorNameResolutionNoResults into an empty collection). */
    summary() {
        return this.exchanges.map((x) => ({
            operation: x.operation,
            status: x.status,
            responseCodes: [...String(x.response || '').matchAll(/<(?:[\w.-]+:)?ResponseCode\b[^>]*>([^<]*)</g)].map((m) => m[1]),
        }));
    }
}

/* The service an application builds: Exchange2013_SP1, WebCredentials (the
 * library sends them as preemptive Basic), the EWS URL under the base URL. */
function makeService(opts) {
    const service = new ews.ExchangeService(ews.ExchangeVersion.Exchange2013_SP1);
    service.Credentials = new ews.WebCredentials(opts.user, opts.password);
    service.Url = new ews.Uri(opts.url.replace(/\/+$/, '') + EWS_PATH);
    const xhr = new ews.XhrApi(opts.insecure ? { rejectUnauthorized: false } : {});
    const tracer = new TracingXhrApi(xhr, opts.trace);
    service.XHRApi = tracer;
    return { service, tracer };
}

/* Name of an enum value (ews enums are TypeScript numeric enums). */
function enumName(enumType, value) {
    return value === null || value === undefined ? null : (enumType[value] !== undefined ? enumType[value] : value);
}

/* What the library threw, as plain data. */
function describeError(e) {
    if (e === null || e === undefined) {
        return { type: String(e), message: '' };
    }
    const d = {
        type: e.constructor && e.constructor.name ? e.constructor.name : typeof e,
        message: e.message || e.Message || (typeof e === 'string' ? e : ''),
    };
    if (e instanceof ews.ServiceResponseException) {
        d.errorCode = enumName(ews.ServiceError, e.ErrorCode);
        d.message = e.Message || d.message;
    }
    if (e instanceof ews.SoapFaultDetails) {
        d.faultCode = e.FaultCode;
        d.faultString = e.FaultString;
        d.responseCode = enumName(ews.ServiceError, e.ResponseCode);
        d.httpStatus = e.HttpStatusCode;
        d.message = e.message || e.FaultString || d.message;
    } else if (e.status !== undefined && !(e instanceof Error)) {
        d.httpStatus = e.status;                    /* a raw XHR response the library rejected with */
    }
    if (e.InnerException) {
        d.inner = describeError(e.InnerException);
    }
    if (e instanceof ews.SoapFaultDetails && e.Exception) {
        d.exception = describeError(e.Exception);   /* e.g. ServiceRequestUnauthorizedException for a 401 */
    }
    if (!(e instanceof ews.Exception) && e instanceof Error && e.stack) {
        d.stack = e.stack;                          /* a plain JS error: most likely a bug somewhere */
    }
    return d;
}

/* Runs one step of a scenario: { ok: true, ...value } or { ok: false, error }. */
async function step(fn) {
    try {
        const value = await fn();
        return { ok: true, ...(value || {}) };
    } catch (e) {
        return { ok: false, error: describeError(e) };
    }
}

/* Runs a script's main(), prints its JSON result, sets the exit code. */
function run(main) {
    main().then((result) => {
        process.stdout.write(JSON.stringify(result, null, 1) + '\n');
    }, (e) => {
        if (e instanceof UsageError) {
            process.stderr.write(`${e.message}\n`);
            process.exitCode = 2;
        } else {
            process.stderr.write(`script crashed: ${e && e.stack ? e.stack : JSON.stringify(describeError(e))}\n`);
            process.exitCode = 1;
        }
    });
}

/* First bytes of a buffer as lower-case hex. */
function headHex(buf, n = 4) {
    return Buffer.from(buf).subarray(0, n).toString('hex');
}

/* Writes bytes to FILE when the script was given --save FILE. */
function saveTo(file, buf) {
    if (file) {
        fs.writeFileSync(file, buf);
    }
}

module.exports = {
    ews, EWS_PATH, UsageError, parseCommandLine, makeService, TracingXhrApi, enumName, describeError, step, run,
    headHex, saveTo, operationOf,
};
