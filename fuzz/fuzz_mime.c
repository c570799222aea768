/*
 * fuzz_mime - mime_parse and mime_canon over any message: the round trip
 * of t/mime_roundtrip.h (parse, canonicalise, re-parse: the same parts and
 * decoded content, nothing appearing or disappearing, an entity that needs
 * no further conversion and comes back unchanged when canonicalised again)
 * must hold for every message mime_parse accepts.
 *
 * Input: one whole message (header block, empty line, body).
 */
#include "config.h"

#include "fuzz/fuzz.h"
#include "t/mime_roundtrip.h"

/* Bigger inputs teach nothing more and slow the search down. */
#define FUZZ_MIME_MAX	(256u << 10)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	why[512];

	if (size > FUZZ_MIME_MAX)
		return 0;
	if (mime_roundtrip_check(data, size, why, sizeof(why)) < 0)
		fuzz_fail("mime", "%s", why);
	return 0;
}
