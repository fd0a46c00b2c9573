/* SPDX-License-Identifier: MIT */
/* PSA crypto for mbedTLS 3.6 (MBEDTLS_PSA_CRYPTO_CONFIG_FILE, read with
 * et_mbedtls_config.h): only what the TLS 1.3 client takes from PSA. Without
 * MBEDTLS_USE_PSA_CRYPTO, TLS 1.2, X.509, record protection and the port's
 * signing stay on the classic API; TLS 1.3 asks PSA for its key schedule
 * (HKDF, HMAC, SHA-256/384) and its ECDHE shares. Everything else PSA could
 * do (RSA, ECDSA, ciphers) would only cost flash. */
#ifndef ET_PSA_CONFIG_H
#define ET_PSA_CONFIG_H

#define PSA_WANT_ALG_SHA_256 1
#define PSA_WANT_ALG_SHA_384 1
#define PSA_WANT_ALG_HMAC 1
#define PSA_WANT_KEY_TYPE_HMAC 1
#define PSA_WANT_ALG_HKDF 1
#define PSA_WANT_ALG_HKDF_EXTRACT 1
#define PSA_WANT_ALG_HKDF_EXPAND 1
#define PSA_WANT_KEY_TYPE_DERIVE 1
#define PSA_WANT_KEY_TYPE_RAW_DATA 1

#define PSA_WANT_ALG_ECDH 1
#define PSA_WANT_ECC_SECP_R1_256 1
#define PSA_WANT_ECC_SECP_R1_384 1
#define PSA_WANT_KEY_TYPE_ECC_PUBLIC_KEY 1
#define PSA_WANT_KEY_TYPE_ECC_KEY_PAIR_BASIC 1
#define PSA_WANT_KEY_TYPE_ECC_KEY_PAIR_IMPORT 1
#define PSA_WANT_KEY_TYPE_ECC_KEY_PAIR_EXPORT 1
#define PSA_WANT_KEY_TYPE_ECC_KEY_PAIR_GENERATE 1

#endif
