/* Skeleton translation unit; see gicv3_its.h. */
#include "gicv3_its.h"

typedef int gicv3_its_skeleton_unit;
