/* SPDX-License-Identifier: MIT */
/*
 * libmicrohttpd (ecli server, ecli run --metrics-addr) and GnuTLS (ecli client, https) are
 * loaded with dlopen() only by the commands that use them: linked, they would add ~10 shared
 * objects and GnuTLS's start-up work to every `ecli run` (0.8 ms -> 5 ms for `ecli version`).
 * Files that use them include this header; their calls then go through pointers filled by
 * ecli_lazy_load_*().
 */
#ifndef EUNOMIA_ECLI_LAZY_H
#define EUNOMIA_ECLI_LAZY_H

#include <stddef.h>

#include <gnutls/gnutls.h>
#include <microhttpd.h>

#define ECLI_MHD_FUNCS(X)                    \
	X(MHD_start_daemon_va)               \
	X(MHD_stop_daemon)                   \
	X(MHD_quiesce_daemon)                \
	X(MHD_is_feature_supported)          \
	X(MHD_create_response_from_buffer)   \
	X(MHD_create_response_from_callback) \
	X(MHD_add_response_header)           \
	X(MHD_queue_response)                \
	X(MHD_destroy_response)              \
	X(MHD_lookup_connection_value)       \
	X(MHD_get_connection_info)

#define ECLI_TLS_FUNCS(X)                           \
	X(gnutls_certificate_allocate_credentials)  \
	X(gnutls_certificate_set_x509_trust_file)   \
	X(gnutls_certificate_set_x509_system_trust) \
	X(gnutls_certificate_free_credentials)      \
	X(gnutls_init)                              \
	X(gnutls_deinit)                            \
	X(gnutls_set_default_priority)              \
	X(gnutls_credentials_set)                   \
	X(gnutls_server_name_set)                   \
	X(gnutls_session_set_verify_cert)           \
	X(gnutls_transport_set_int2)                \
	X(gnutls_handshake)                         \
	X(gnutls_error_is_fatal)                    \
	X(gnutls_strerror)                          \
	X(gnutls_bye)                               \
	X(gnutls_record_send)                       \
	X(gnutls_record_recv)

#define ECLI_LAZY_DECL(f) extern __typeof__(f) *ecli_##f;
ECLI_MHD_FUNCS(ECLI_LAZY_DECL)
ECLI_TLS_FUNCS(ECLI_LAZY_DECL)
#undef ECLI_LAZY_DECL

/* 0, or -1 with the reason (the library and the package to install) in err. */
int ecli_lazy_load_mhd(char *err, size_t errsz);
int ecli_lazy_load_gnutls(char *err, size_t errsz);

struct MHD_Daemon *ecli_mhd_start_daemon(unsigned int flags, uint16_t port,
					 MHD_AcceptPolicyCallback apc, void *apc_cls,
					 MHD_AccessHandlerCallback dh, void *dh_cls, ...);

#ifndef ECLI_LAZY_IMPL
#define MHD_start_daemon		  ecli_mhd_start_daemon
#define MHD_stop_daemon			  (*ecli_MHD_stop_daemon)
#define MHD_quiesce_daemon		  (*ecli_MHD_quiesce_daemon)
#define MHD_is_feature_supported	  (*ecli_MHD_is_feature_supported)
#define MHD_create_response_from_buffer	  (*ecli_MHD_create_response_from_buffer)
#define MHD_create_response_from_callback (*ecli_MHD_create_response_from_callback)
#define MHD_add_response_header		  (*ecli_MHD_add_response_header)
#define MHD_queue_response		  (*ecli_MHD_queue_response)
#define MHD_destroy_response		  (*ecli_MHD_destroy_response)
#define MHD_lookup_connection_value	  (*ecli_MHD_lookup_connection_value)
#define MHD_get_connection_info		  (*ecli_MHD_get_connection_info)

#define gnutls_certificate_allocate_credentials	 (*ecli_gnutls_certificate_allocate_credentials)
#define gnutls_certificate_set_x509_trust_file	 (*ecli_gnutls_certificate_set_x509_trust_file)
#define gnutls_certificate_set_x509_system_trust (*ecli_gnutls_certificate_set_x509_system_trust)
#define gnutls_certificate_free_credentials	 (*ecli_gnutls_certificate_free_credentials)
#define gnutls_init				 (*ecli_gnutls_init)
#define gnutls_deinit				 (*ecli_gnutls_deinit)
#define gnutls_set_default_priority		 (*ecli_gnutls_set_default_priority)
#define gnutls_credentials_set			 (*ecli_gnutls_credentials_set)
#define gnutls_server_name_set			 (*ecli_gnutls_server_name_set)
#define gnutls_session_set_verify_cert		 (*ecli_gnutls_session_set_verify_cert)
#define gnutls_transport_set_int2		 (*ecli_gnutls_transport_set_int2)
#define gnutls_handshake			 (*ecli_gnutls_handshake)
#define gnutls_error_is_fatal			 (*ecli_gnutls_error_is_fatal)
#define gnutls_strerror				 (*ecli_gnutls_strerror)
#define gnutls_bye				 (*ecli_gnutls_bye)
#define gnutls_record_send			 (*ecli_gnutls_record_send)
#define gnutls_record_recv			 (*ecli_gnutls_record_recv)
#endif

#endif
