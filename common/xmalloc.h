/* Allocation wrappers: overflow-checked, and fatal on exhaustion (an internal invariant). */
#ifndef IRQCHIPD_XMALLOC_H
#define IRQCHIPD_XMALLOC_H

#include <stddef.h>

#include "compiler.h"

void *xmalloc(size_t);
void *xcalloc(size_t, size_t);
void *xreallocarray(void *, size_t, size_t);
char *xstrdup(const char *);
int xasprintf(char **, const char *, ...) PRINTFLIKE(2, 3);

#endif
