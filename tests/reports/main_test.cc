// One Boost.Test executable for the reports module; each *_test.cc adds its suite.
#define BOOST_TEST_MODULE reports
#include <boost/test/unit_test.hpp>
