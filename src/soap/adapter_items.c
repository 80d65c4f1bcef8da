/* adapter_items.c - GetFolder, GetItem and GetAttachment (spec §5, §7). */
#include "soap/adapter_int.h"

int __m__GetItem(struct soap *soap, struct m__GetItemType *req, struct __m__GetItemResponse *resp)
{
	(void)req; (void)resp;
	return adapter_not_yet(soap, "GetItem");
}

int __m__GetFolder(struct soap *soap, struct m__GetFolderType *req, struct __m__GetFolderResponse *resp)
{
	(void)req; (void)resp;
	return adapter_not_yet(soap, "GetFolder");
}

int __m__GetAttachment(struct soap *soap, struct m__GetAttachmentType *req, struct __m__GetAttachmentResponse *resp)
{
	(void)req; (void)resp;
	return adapter_not_yet(soap, "GetAttachment");
}
