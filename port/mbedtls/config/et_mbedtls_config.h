/* SPDX-License-Identifier: MIT */
/* edgetoken's mbedTLS configuration (MBEDTLS_CONFIG_FILE): what a TLS
 * client of login.microsoftonline.com needs, nothing more, with all memory
 * from a static arena where the port sets one up
 * (MBEDTLS_MEMORY_BUFFER_ALLOC_C; plain calloc/free otherwise).
 *
 * One file for both LTS lines built from Debian's source packages:
 *   3.6 (default)  TLS 1.3 and 1.2; PSA crypto (TLS 1.3 derives its keys
 *                  through it; psa_crypto_init() runs in the port)
 *   2.28           TLS 1.2
 * 3.x's build_info.h defines MBEDTLS_VERSION_MAJOR before it reads this
 * file; 2.28 reads it first, so the 3.x parts are skipped there.
 *
 *   ET_MBEDTLS_DEVICE  bare metal: no file system, no OS entropy; the
 *                      firmware supplies mbedtls_hardware_poll (a TRNG),
 *                      et_device_time and mbedtls_platform_gmtime_r.
 *   otherwise          host builds (the CLI, tests, zero-heap): CA files
 *                      (MBEDTLS_FS_IO), getrandom entropy, error strings.
 *   ET_MBEDTLS_MEMORY_DEBUG  arena statistics (high-water mark). */
#ifndef ET_MBEDTLS_CONFIG_H
#define ET_MBEDTLS_CONFIG_H

#if defined(MBEDTLS_VERSION_MAJOR) && MBEDTLS_VERSION_MAJOR >= 3
#define ET_MBEDTLS_3X
#endif

/* System */
#define MBEDTLS_HAVE_ASM
#define MBEDTLS_HAVE_TIME      /* certificate validity needs a clock */
#define MBEDTLS_HAVE_TIME_DATE
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY /* mbedtls_calloc/free -> the arena */
#define MBEDTLS_MEMORY_BUFFER_ALLOC_C
#if defined(ET_MBEDTLS_MEMORY_DEBUG)
#define MBEDTLS_MEMORY_DEBUG
#if defined(ET_MBEDTLS_DEVICE)
/* The arena's debug prints would link stdio, and with it newlib's
 * allocator; a device drops them (a corrupt arena still exits). */
#define MBEDTLS_PLATFORM_FPRINTF_MACRO(...) ((void)0)
#endif
#endif

/* TLS client, 1.2 (and 1.3 on 3.x): ECDHE with RSA or ECDSA certificates,
 * AES-GCM. */
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_CLI_C
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
#define MBEDTLS_SSL_SERVER_NAME_INDICATION
#define MBEDTLS_SSL_SESSION_TICKETS
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET
#if defined(ET_MBEDTLS_3X)
#define MBEDTLS_SSL_PROTO_TLS1_3
/* Full handshakes, and resumption with a ticket plus a fresh ECDHE share
 * (psk_dhe_ke); no PSK-only mode, so every session has forward secrecy. */
#define MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL_ENABLED
#define MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_PSK_EPHEMERAL_ENABLED
/* Middlebox compatibility (RFC 8446 D.4): cellular and corporate networks
 * still carry boxes that drop TLS 1.3 handshakes without it. */
#define MBEDTLS_SSL_TLS1_3_COMPATIBILITY_MODE
#define MBEDTLS_SSL_KEEP_PEER_CERTIFICATE /* 3.6's TLS 1.3 requires it */
/* TLS 1.3 servers with RSA certificates (Entra's) sign with RSA-PSS; 3.x
 * offers rsa_pss_rsae_* only with this. */
#define MBEDTLS_X509_RSASSA_PSS_SUPPORT
#define MBEDTLS_PSA_CRYPTO_C
/* PSA does what TLS 1.3 needs of it and no more (et_psa_config.h). */
#define MBEDTLS_PSA_CRYPTO_CONFIG
#define MBEDTLS_PSA_CRYPTO_CONFIG_FILE "et_psa_config.h"
#define MBEDTLS_SSL_CIPHERSUITES                       \
  MBEDTLS_TLS1_3_AES_128_GCM_SHA256,                   \
      MBEDTLS_TLS1_3_AES_256_GCM_SHA384,               \
      MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, \
      MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,   \
      MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, \
      MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
/* A fixed key table (no MBEDTLS_PSA_KEY_STORE_DYNAMIC): it lives in .bss
 * rather than the arena, and a TLS 1.3 handshake holds a handful of PSA
 * keys at once. */
#define MBEDTLS_PSA_KEY_SLOT_COUNT 8
#else
#define MBEDTLS_SSL_CIPHERSUITES                       \
  MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,     \
      MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,   \
      MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, \
      MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
#endif
/* A server may send full 16 KB records (Entra does not negotiate a smaller
 * fragment length); our requests are a few hundred bytes. */
#define MBEDTLS_SSL_IN_CONTENT_LEN 16384
#define MBEDTLS_SSL_OUT_CONTENT_LEN 4096

/* Ciphers and hashes */
#define MBEDTLS_AES_C
#define MBEDTLS_AES_ROM_TABLES   /* tables in flash, not RAM */
#define MBEDTLS_GCM_C
#define MBEDTLS_CIPHER_C
#define MBEDTLS_MD_C
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA512_C         /* SHA-384 in 2.28 */
#define MBEDTLS_SHA384_C         /* 3.x spelling */
/* SHA-1, for certificate credentials only: an RS256 client assertion
 * names its certificate by the SHA-1 thumbprint ("x5t"; PS256 and ES256
 * use SHA-256, "x5t#S256"). The POSIX port hashes the certificate file, so
 * its build has SHA-1 while CONFIG_ET_CRED_CERTIFICATE is on (as in
 * et_config.h, on unless defined to 0; this file does not read Kconfig's
 * header). Devices do not: core takes both thumbprints ready-made in
 * et_cred (computed when the certificate is provisioned), and SHA-1 here
 * would cost every flavour about 4 KB of flash, since mbedTLS's digest
 * tables link it whether or not it is called; a device that hashes its
 * certificate itself adds MBEDTLS_SHA1_C. TLS takes nothing from SHA-1:
 * chains are checked with the default profile (SHA-2 only), and SHA-1 in
 * the key exchange needs MBEDTLS_TLS_DEFAULT_ALLOW_SHA1_IN_KEY_EXCHANGE,
 * which stays off. */
#if !defined(ET_MBEDTLS_DEVICE) && \
    (!defined(CONFIG_ET_CRED_CERTIFICATE) || CONFIG_ET_CRED_CERTIFICATE)
#define MBEDTLS_SHA1_C
#endif
#if defined(ET_MBEDTLS_DEVICE)
#define MBEDTLS_AES_FEWER_TABLES
#define MBEDTLS_SHA256_SMALLER
#define MBEDTLS_SHA512_SMALLER
#endif

/* Public key: RSA PKCS#1 v1.5 and PSS (verify and sign, for certificate
 * credentials), ECDSA and ECDH on P-256 and P-384. */
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_MPI_MAX_SIZE 512 /* RSA up to 4096 bits */
#define MBEDTLS_RSA_C
#define MBEDTLS_PKCS1_V15
#define MBEDTLS_PKCS1_V21
#define MBEDTLS_ECP_C
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_SECP384R1_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM
#define MBEDTLS_ECP_WINDOW_SIZE 2        /* RAM over speed */
#define MBEDTLS_ECP_FIXED_POINT_OPTIM 0
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C
#define MBEDTLS_OID_C
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C

/* X.509: chain and host-name verification (3.x matches IP-address SANs
 * too); PEM trust anchors. */
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C
#define MBEDTLS_PEM_PARSE_C
#define MBEDTLS_BASE64_C

/* Randomness: CTR_DRBG seeded from the entropy module (PSA seeds its own
 * from the same sources). */
#define MBEDTLS_ENTROPY_C
#define MBEDTLS_CTR_DRBG_C

#if defined(ET_MBEDTLS_DEVICE)
#include <time.h>
#define MBEDTLS_NO_PLATFORM_ENTROPY
#define MBEDTLS_ENTROPY_HARDWARE_ALT   /* mbedtls_hardware_poll: the TRNG */
#define MBEDTLS_PLATFORM_TIME_MACRO et_device_time
#define MBEDTLS_PLATFORM_GMTIME_R_ALT
#define MBEDTLS_ERROR_STRERROR_DUMMY
#define MBEDTLS_X509_REMOVE_INFO
/* Wall-clock seconds for certificate validity, from the firmware's RTC or
 * SNTP (et_port's unix_s); 0 before the clock is set. */
time_t et_device_time(time_t *t);
#if defined(ET_MBEDTLS_3X)
/* TLS 1.3 ticket ages: newlib has no clock_gettime, so mbedtls_ms_time
 * comes from et_device_time (et_mbedtls_alt.c, built with the library). */
#define MBEDTLS_PLATFORM_MS_TIME_ALT
#endif
#else
#define MBEDTLS_FS_IO                  /* --ca-file */
#define MBEDTLS_ERROR_C                /* failure details for humans */
#endif

#if !defined(ET_MBEDTLS_3X)
#include "mbedtls/check_config.h"      /* 3.x checks by itself */
#endif

#endif
