/* Skeleton translation unit; see xive.h. */
#include "xive.h"

typedef int xive_skeleton_unit;
