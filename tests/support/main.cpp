#define BOOST_TEST_MODULE mpytool_unit
#include <boost/test/unit_test.hpp>
