/**
 * The checkpoint half of a CRaC runtime, for probes on a JVM without one. The org.crac library
 * forwards registrations to the package its {@code org.crac.Core.Compat} system property names; naming
 * this one lets a probe register resources exactly as our handlers do on Lambda and then call
 * {@code org.crac.Core.checkpointRestore()} to run their hooks, as Lambda does when it publishes a
 * SnapStart version and restores a copy of it. Nothing is frozen: the same JVM carries on after restore.
 */
package com.comfyjobs.bench.crac;
