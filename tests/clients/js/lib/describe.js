'use strict';
/*
 * Library objects -> plain data for the JSON results. A property the server did
 * not send makes the library throw on access (ServiceObjectPropertyException);
 * such a property is reported as null rather than ending the script.
 */
const { ews, enumName, describeError } = require('./common');

/* Value of a getter, or null when the library refuses (property not loaded). */
function safe(get) {
    try {
        const v = get();
        return v === undefined ? null : v;
    } catch (e) {
        return null;
    }
}

function describeItemId(id) {
    return id ? { id: safe(() => id.UniqueId), changeKey: safe(() => id.ChangeKey) } : null;
}

/* A resolution's t:Mailbox (EmailAddress). */
function describeMailbox(m) {
    if (!m) return null;
    const id = safe(() => m.Id);
    return {
        name: safe(() => m.Name),
        address: safe(() => m.Address),
        routingType: safe(() => m.RoutingType),
        mailboxType: enumName(ews.MailboxType, safe(() => m.MailboxType)),
        hasId: !!(id && id.UniqueId),
        id: describeItemId(id),
    };
}

function emailAddress(contact, key) {
    return safe(() => {
        const box = { outValue: null };
        return contact.EmailAddresses.TryGetValue(key, box) && box.outValue ? box.outValue.Address : null;
    });
}

/* A Contact (from a resolution or Contact.Bind); null when there is none. */
function describeContact(c) {
    if (!c) return null;
    return {
        id: describeItemId(safe(() => c.Id)),
        displayName: safe(() => c.DisplayName),
        givenName: safe(() => c.GivenName),
        surname: safe(() => c.Surname),
        companyName: safe(() => c.CompanyName),
        jobTitle: safe(() => c.JobTitle),
        email1: emailAddress(c, ews.EmailAddressKey.EmailAddress1),
        contactSource: enumName(ews.ContactSource, safe(() => c.ContactSource)),
    };
}

/* Attachments listed on a bound item (metadata only; content needs Load()). */
function describeAttachments(item) {
    const collection = safe(() => item.Attachments);
    if (!collection) return null;
    return collection.Items.map((a) => ({
        type: a.constructor.name,
        id: safe(() => a.Id),
        name: safe(() => a.Name),
        contentType: safe(() => a.ContentType),
        size: safe(() => a.Size),
        isInline: safe(() => a.IsInline),
        isContactPhoto: safe(() => a.IsContactPhoto),
    }));
}

module.exports = { safe, describeMailbox, describeContact, describeAttachments, describeItemId, describeError };
