/* SPDX-License-Identifier: MIT */
/* The zero-heap proof. Linked with
 *   -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=free
 * every reference to the heap from the objects given to that link (ours and
 * mbedTLS's, including mbedTLS's default calloc/free pointers) is bound to
 * these, which stop the program. mbedTLS draws from its static arena
 * instead (MBEDTLS_MEMORY_BUFFER_ALLOC_C), so a run that completes made no
 * heap call of its own. Shared libraries (libc's getaddrinfo, stdio) are not
 * relinked and keep their own malloc. */
#include <stdlib.h>

void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);
void __wrap_free(void *p);

void *__wrap_malloc(size_t n) {
  (void)n;
  abort();
}

void *__wrap_calloc(size_t n, size_t m) {
  (void)n;
  (void)m;
  abort();
}

void *__wrap_realloc(void *p, size_t n) {
  (void)p;
  (void)n;
  abort();
}

/* free(NULL) is harmless but still a heap reference that should not exist. */
void __wrap_free(void *p) {
  (void)p;
  abort();
}
