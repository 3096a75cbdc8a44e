/* SPDX-License-Identifier: MIT */
/* Fixture: included by header_events.h; its structs are not the header's own. */
#ifndef HEADER_COMMON_H
#define HEADER_COMMON_H

struct common_hdr {
	int type;
};

#endif
