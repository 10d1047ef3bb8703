/* ctl.h — `weir-agent ctl`: the operator's CLI over the control API. */
#ifndef WEIR_CTL_H
#define WEIR_CTL_H

int ctl_main(int argc, char **argv);

#endif
