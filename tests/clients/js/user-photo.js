'use strict';
/*
 * A user's photo as an application reads it (spec §2): EMA's
 * service.GetUserPhoto(email, size, etag), see lib/get-user-photo.js.
 *
 * usage: node user-photo.js [common options] [--size HR96x96] [--etag TAG] [--revalidate]
 *                           [--save FILE] EMAIL
 *   --etag        send this entity tag (If-None-Match)
 *   --save        write the photo bytes of the first answer to FILE
 *   --revalidate  ask a second time with the ETag the first answer carried, as a
 *                 caching application does; reported under "revalidated"
 *
 * Prints { email, size, ok, status, contentType, length, head, entityTag,
 * expires, revalidated?, error?, http }: status is a GetUserPhotoStatus name,
 * head the first four bytes as hex (ffd8ff.. for a JPEG).
 */
const { parseCommandLine, makeService, step, run, headHex, saveTo, UsageError } = require('./lib/common');
const { getUserPhoto } = require('./lib/get-user-photo');
const { GetUserPhotoStatus } = require('ews-javascript-api/js/Enumerations/GetUserPhotoStatus');

const USAGE = 'usage: node user-photo.js [--url URL --user ADDRESS --password PW] [--insecure] [--trace]\n' +
              '                          [--size HR96x96] [--etag TAG] [--revalidate] [--save FILE] EMAIL';

function describeResults(r) {
    return {
        status: GetUserPhotoStatus[r.Status],
        contentType: r.ContentType,
        length: r.Photo.length,
        head: headHex(r.Photo),
        entityTag: r.EntityTag,
        expires: r.Expires ? r.Expires.toISOString() : null,
    };
}

async function main() {
    const { values: opts, positionals } = parseCommandLine(USAGE, {
        size: { type: 'string', default: 'HR96x96' },
        etag: { type: 'string' },
        revalidate: { type: 'boolean', default: false },
        save: { type: 'string' },
    });
    if (positionals.length !== 1) {
        throw new UsageError(`exactly one EMAIL expected\n${USAGE}`);
    }
    const email = positionals[0];
    const { service, tracer } = makeService(opts);

    let first = null;
    const outcome = await step(async () => {
        first = await getUserPhoto(service, email, opts.size, opts.etag);
        saveTo(opts.save, first.Photo);
        return describeResults(first);
    });
    const result = { email, size: opts.size, ...outcome };
    if (opts.revalidate && first) {
        result.revalidated = await step(async () => describeResults(
            await getUserPhoto(service, email, opts.size, first.EntityTag)));
    }
    result.http = tracer.summary();
    return result;
}

run(main);
