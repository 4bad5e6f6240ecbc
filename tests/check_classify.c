#include <check.h>
#include <stdlib.h>
START_TEST(t_placeholder) { ck_assert(1); }
END_TEST
int main(void){Suite*s=suite_create("classify");TCase*tc=tcase_create("x");tcase_add_test(tc,t_placeholder);suite_add_tcase(s,tc);SRunner*r=srunner_create(s);srunner_run_all(r,CK_NORMAL);int f=srunner_ntests_failed(r);srunner_free(r);return f?1:0;}
