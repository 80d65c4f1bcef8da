/* test_soap.c - the WSDL subset knows every ResponseCode the operations
 * can produce (a missing one would silently become ErrorInternalServerError). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "soapH.h"

#include "ews/ews.h"

static void test_response_codes_in_wsdl(void **state)
{
	(void)state;
	const char *codes[] = {
		EWS_NO_ERROR, EWS_ERROR_NON_EXISTENT_MAILBOX, EWS_ERROR_INVALID_PHOTO_SIZE,
		EWS_ERROR_ACCESS_DENIED, EWS_ERROR_INVALID_ARGUMENT, EWS_ERROR_DATA_SIZE_LIMIT,
		EWS_ERROR_INTERNAL, EWS_ERROR_SCHEMA_VALIDATION, EWS_ERROR_INVALID_ID_MALFORMED,
		EWS_ERROR_INVALID_ID_EMPTY, EWS_ERROR_FOLDER_NOT_FOUND, EWS_ERROR_INVALID_SMTP_ADDRESS,
		EWS_ERROR_SERVER_BUSY,
	};
	struct soap *soap = soap_new();
	for (size_t i = 0; i < sizeof codes / sizeof *codes; i++) {
		enum m__ResponseCodeType v;
		if (soap_s2m__ResponseCodeType(soap, codes[i], &v) != SOAP_OK)
			fail_msg("%s is not in wsdl/ews-messages.xsd ResponseCodeType", codes[i]);
		assert_string_equal(soap_m__ResponseCodeType2s(soap, v), codes[i]);
	}
	enum m__ResponseCodeType v;
	assert_int_not_equal(soap_s2m__ResponseCodeType(soap, "ErrorMadeUp", &v), SOAP_OK);
	soap_free(soap);
}

static void test_size_codes_match_photo_module(void **state)
{
	(void)state;
	/* the schema enum and photo_size_parse() agree on all nine codes */
	struct soap *soap = soap_new();
	const char *codes[] = { "HR48x48", "HR64x64", "HR96x96", "HR120x120", "HR240x240",
	                        "HR360x360", "HR432x432", "HR504x504", "HR648x648" };
	for (size_t i = 0; i < 9; i++) {
		enum t__UserPhotoSizeType v;
		assert_int_equal(soap_s2t__UserPhotoSizeType(soap, codes[i], &v), SOAP_OK);
		assert_string_equal(soap_t__UserPhotoSizeType2s(soap, v), codes[i]);
	}
	enum t__UserPhotoSizeType v;
	assert_int_not_equal(soap_s2t__UserPhotoSizeType(soap, "HR96X96", &v), SOAP_OK);
	soap_free(soap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_response_codes_in_wsdl),
		cmocka_unit_test(test_size_codes_match_photo_module),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
