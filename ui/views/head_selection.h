#pragma once
// core's HeadSelection as a Qt meta-type: it travels in the signals of HeadsView and ViewHub.
#include "core/model/heads.h"

#include <QMetaType>

Q_DECLARE_METATYPE(attnviz::HeadSelection)
