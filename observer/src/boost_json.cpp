// Boost.JSON in its header-only form, compiled once here for the observer library, otpctl and its tests: Debian ships
// its headers with libboost1.81-dev but no libboost-json library.
#include <boost/json/src.hpp>
