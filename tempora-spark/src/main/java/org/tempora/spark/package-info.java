/** tempora on Apache Spark: batch featurisation and batch tagging (docs/scale.md). */
package org.tempora.spark;
