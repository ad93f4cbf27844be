/* Skeleton translation unit; see xics.h. */
#include "xics.h"

typedef int xics_skeleton_unit;
