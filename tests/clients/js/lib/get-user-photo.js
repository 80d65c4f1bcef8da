'use strict';
/*
 * GetUserPhoto for ews-javascript-api.
 *
 * The EWS Managed API has ExchangeService.GetUserPhoto(email, size, etag); the
 * JavaScript port (0.15.x) ships only its status enum (GetUserPhotoStatus) and
 * element names, not the request. This is EMA's GetUserPhotoRequest /
 * GetUserPhotoResponse (Core/Requests/GetUserPhotoRequest.cs,
 * Core/Responses/GetUserPhotoResponse.cs) ported onto the library's own
 * SimpleServiceRequestBase, so the envelope, the credentials, the XHR, the
 * SOAP fault parsing and the ServerVersionInfo handling are the library's.
 * It keeps EMA's rules (spec §2.2, §2.3):
 *   - HasChanged is read first; the PictureData element must be present
 *     (possibly empty); ContentType is read, and required, only after a
 *     non-empty PictureData;
 *   - HasChanged=false -> PhotoUnchanged; HasChanged=true and no picture ->
 *     PhotoOrUserNotFound; otherwise PhotoReturned;
 *   - HTTP 404 -> PhotoOrUserNotFound (GetResultOrDefault), not an error;
 *   - the ETag header loses its quotes; If-None-Match is sent quoted;
 *   - the request needs RequestServerVersion Exchange2013 or later.
 */
const { ews } = require('./common');

// The enum is in the package but not among its exports.
const { GetUserPhotoStatus } = require('ews-javascript-api/js/Enumerations/GetUserPhotoStatus');

const { XmlNamespace, ExchangeVersion } = ews;

class GetUserPhotoResults {
    constructor() {
        this.Status = GetUserPhotoStatus.PhotoOrUserNotFound;
        this.Photo = Buffer.alloc(0);
        this.ContentType = null;
        this.EntityTag = null;
        this.Expires = null;
    }
}

class GetUserPhotoResponse extends ews.ServiceResponse {
    constructor() {
        super();
        this.Results = new GetUserPhotoResults();
    }

    /* EMA GetUserPhotoResponse.ReadElementsFromXml, on the library's XML-as-object form. */
    ReadElementsFromXmlJsObject(responseObject) {
        const hasChanged = text(responseObject, 'HasChanged');
        if (hasChanged === null) {
            throw new ews.ServiceXmlDeserializationException('GetUserPhotoResponse: no HasChanged element');
        }
        if (!('PictureData' in responseObject)) {
            throw new ews.ServiceXmlDeserializationException('GetUserPhotoResponse: no PictureData element');
        }
        const photo = Buffer.from(text(responseObject, 'PictureData') || '', 'base64');
        if (photo.length > 0) {
            this.Results.Photo = photo;
            this.Results.ContentType = text(responseObject, 'ContentType');
            if (this.Results.ContentType === null) {
                throw new ews.ServiceXmlDeserializationException('GetUserPhotoResponse: PictureData without ContentType');
            }
        }
        if (hasChanged.trim().toLowerCase() === 'true' || hasChanged.trim() === '1') {
            this.Results.Status = photo.length === 0 ? GetUserPhotoStatus.PhotoOrUserNotFound
                                                     : GetUserPhotoStatus.PhotoReturned;
        } else {
            this.Results.Status = GetUserPhotoStatus.PhotoUnchanged;
        }
    }

    /* EMA GetUserPhotoResponse.ReadHeader */
    ReadHeader(xhrResponse) {
        const etag = header(xhrResponse, 'ETag');
        if (etag !== null && etag.replace(/"/g, '').length > 0) {
            this.Results.EntityTag = etag.replace(/"/g, '');
        }
        const expires = header(xhrResponse, 'Expires');
        if (expires) {
            this.Results.Expires = new Date(expires);
        }
    }
}

class GetUserPhotoRequest extends ews.SimpleServiceRequestBase {
    constructor(service, emailAddress, userPhotoSize, entityTag) {
        super(service);
        this.EmailAddress = emailAddress;
        this.UserPhotoSize = userPhotoSize;
        this.EntityTag = entityTag || null;
    }

    GetXmlElementName() { return 'GetUserPhoto'; }
    GetResponseXmlElementName() { return 'GetUserPhotoResponse'; }
    GetMinimumRequiredServerVersion() { return ExchangeVersion.Exchange2013; }

    Validate() {
        if (!this.EmailAddress) {
            throw new ews.ServiceLocalException(ews.Strings.InvalidEmailAddress);
        }
        if (!this.UserPhotoSize) {
            throw new ews.ServiceLocalException(ews.Strings.UserPhotoSizeNotSpecified);
        }
        super.Validate();
    }

    WriteElementsToXml(writer) {
        writer.WriteElementValue(XmlNamespace.Messages, 'Email', this.EmailAddress);
        writer.WriteElementValue(XmlNamespace.Messages, 'SizeRequested', this.UserPhotoSize);
    }

    /* EMA's AddHeaders: the library never calls AddHeaders, so the header goes in here. */
    BuildXHR() {
        const request = super.BuildXHR();
        if (this.EntityTag) {
            let tag = this.EntityTag;
            if (!tag.startsWith('"')) tag = '"' + tag;
            if (!tag.endsWith('"')) tag += '"';
            request.headers['If-None-Match'] = tag;
        }
        return request;
    }

    ParseResponse(jsBody) {
        const response = new GetUserPhotoResponse();
        response.LoadFromXmlJsObject(jsBody, this.Service);
        return response;
    }

    /* The library hands ParseResponse no headers; read them here (EMA's ParseResponse(reader, headers)). */
    ReadResponsePrivate(xhrResponse, jsObject) {
        const response = super.ReadResponsePrivate(xhrResponse, jsObject);
        if (response instanceof GetUserPhotoResponse) {
            response.ReadHeader(xhrResponse);
        }
        return response;
    }

    /* EMA GetUserPhotoRequest.Execute + GetResultOrDefault: a 404 is the normal "no photo" answer. */
    async Execute() {
        let response;
        try {
            response = await this.InternalExecute();
        } catch (e) {
            if (e instanceof ews.SoapFaultDetails && e.HttpStatusCode === 404) {
                const notFound = new GetUserPhotoResponse();
                notFound.Results.Status = GetUserPhotoStatus.PhotoOrUserNotFound;
                notFound.httpStatus = 404;
                return notFound;
            }
            throw e;
        }
        response.ThrowIfNecessary();
        return response;
    }
}

/* service.GetUserPhoto(email, size, etag) as in EMA: resolves to GetUserPhotoResults. */
async function getUserPhoto(service, emailAddress, userPhotoSize, entityTag) {
    const response = await new GetUserPhotoRequest(service, emailAddress, userPhotoSize, entityTag).Execute();
    return response.Results;
}

/* Text of child element NAME in the library's XML-as-object form: an empty
 * element is null, one with attributes an object holding its text under its
 * own name. Returns null for an absent or empty element. */
function text(parent, name) {
    const value = parent[name];
    if (value === undefined || value === null) return null;
    if (typeof value === 'object') return value[name] === undefined ? null : String(value[name]);
    return String(value);
}

function header(xhrResponse, name) {
    if (xhrResponse && typeof xhrResponse.getResponseHeader === 'function') {
        const v = xhrResponse.getResponseHeader(name);
        if (v !== null && v !== undefined) return String(v);
    }
    const headers = (xhrResponse && xhrResponse.headers) || {};
    for (const key of Object.keys(headers)) {
        if (key.toLowerCase() === name.toLowerCase()) return String(headers[key]);
    }
    return null;
}

module.exports = { getUserPhoto, GetUserPhotoRequest, GetUserPhotoResponse, GetUserPhotoResults };
