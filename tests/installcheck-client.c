/*
 * Built by `make installcheck` (and so by distcheck) against the installed
 * headers and libraries, found through pkg-config alone, as a VMM would:
 * starts the embedded server, asks for its version, stops it.
 */
#include <stdio.h>
#include <stdlib.h>

#include <irqchip-embedded.h>
#include <irqchip-kvm.h>
#include <irqchip.h>

int
main(void)
{
	struct irqchip_embedded *e;
	struct irqchip_client *c;
	json_object *ret = NULL, *v;
	char *cause = NULL;

	if (irqchip_embedded_start(-1, &e, &c, &cause) < 0) {
		fprintf(stderr, "installcheck-client: %s\n", cause);
		return 1;
	}
	if (irqchip_client_call(c, "query-version", NULL, NULL, 0, &ret, NULL, &cause) < 0 ||
	    !json_object_object_get_ex(ret, "protocol", &v) ||
	    json_object_get_int(v) != IRQCHIP_PROTOCOL_VERSION) {
		fprintf(stderr, "installcheck-client: query-version: %s\n",
		    cause != NULL ? cause : "unexpected reply");
		return 1;
	}
	printf("installcheck-client: %s\n", json_object_to_json_string(ret));
	json_object_put(ret);
	irqchip_client_close(c);
	irqchip_embedded_stop(e);
	return 0;
}
